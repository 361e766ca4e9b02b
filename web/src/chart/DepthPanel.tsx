import type { Tick } from '@kite-edge/client';
import { formatCount, formatPrice } from '../format.ts';

/**
 * Market depth from the live full-mode tick: five levels of bids and offers
 * side by side, best first, with the totals Kite sends. An index has no
 * depth (its full packets carry none): said so rather than an empty table.
 */
export function DepthPanel({ tick }: { tick: Tick | undefined }) {
  if (!tick) return <p class="empty">Market depth appears with the first live tick.</p>;
  if (!('depth' in tick)) return <p class="empty">No market depth: an index is not traded, so it has no bids or offers.</p>;
  const levels = [0, 1, 2, 3, 4];
  return (
    <table class="depth" data-testid="depth">
      <caption>Market depth</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            Orders
          </th>
          <th scope="col" class="num">
            Bid qty
          </th>
          <th scope="col" class="num">
            Bid
          </th>
          <th scope="col" class="num">
            Offer
          </th>
          <th scope="col" class="num">
            Offer qty
          </th>
          <th scope="col" class="num">
            Orders
          </th>
        </tr>
      </thead>
      <tbody>
        {levels.map((level) => {
          const bid = tick.depth.buy[level];
          const ask = tick.depth.sell[level];
          return (
            <tr key={level}>
              <td class="num muted">{bid?.orders ?? ''}</td>
              <td class="num">{bid ? formatCount(bid.quantity) : ''}</td>
              <td class="num up">{bid?.price ? formatPrice(bid.price) : '—'}</td>
              <td class="num down">{ask?.price ? formatPrice(ask.price) : '—'}</td>
              <td class="num">{ask ? formatCount(ask.quantity) : ''}</td>
              <td class="num muted">{ask?.orders ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={3} class="num">
            Total bids {formatCount(tick.total_buy_quantity)}
          </td>
          <td colSpan={3} class="num">
            Total offers {formatCount(tick.total_sell_quantity)}
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
