/** The option chain (`#/chain`): underlying and expiry pickers, the live table, the smile. Its page is still to come. */
export function ChainView() {
  return (
    <section aria-labelledby="chain-title" class="page">
      <h1 id="chain-title">Option chain</h1>
      <p class="empty">The live option chain is coming to this page.</p>
    </section>
  );
}
