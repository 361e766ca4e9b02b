import type { InstrumentSort, ListQuery } from '../../contracts/instruments-api.ts';
import { ROW_COLUMNS } from '../../storage/instrument-row-columns.ts';

/**
 * One filter object, turned into one parameterised WHERE clause, used by
 * both the page and its `total`: the count cannot disagree with the rows
 * (the old backend built its count by cutting strings out of the page query
 * and reported 249 million instruments instead of 96 thousand). Values only
 * ever travel as parameters.
 */
export type Sql = { text: string; values: unknown[] };

export function whereClause(query: ListQuery, values: unknown[] = []): Sql {
  const conditions: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.is_active !== 'all') conditions.push(`is_active = ${param(query.is_active === 'true')}`);
  if (query.exchange) conditions.push(`exchange = ANY(${param(query.exchange)}::text[])`);
  if (query.segment) conditions.push(`segment = ANY(${param(query.segment)}::text[])`);
  if (query.instrument_type) conditions.push(`instrument_type = ANY(${param(query.instrument_type)}::text[])`);
  if (query.name !== undefined) conditions.push(`name = ${param(query.name)}`);
  if (query.expiry !== undefined) conditions.push(`expiry = ${param(query.expiry)}::date`);
  if (query.expiry_from !== undefined) conditions.push(`expiry >= ${param(query.expiry_from)}::date`);
  if (query.expiry_to !== undefined) conditions.push(`expiry <= ${param(query.expiry_to)}::date`);
  if (query.strike_min !== undefined) conditions.push(`strike >= ${param(query.strike_min)}::numeric`);
  if (query.strike_max !== undefined) conditions.push(`strike <= ${param(query.strike_max)}::numeric`);
  return { text: conditions.length ? conditions.join(' AND ') : 'true', values };
}

/** How each sort orders rows; the token breaks ties so every order is total and a cursor exact. */
const SORT_EXPRESSIONS: Record<InstrumentSort, { expression: string; type: string }> = {
  tradingsymbol: { expression: 'tradingsymbol COLLATE "C"', type: 'text' },
  name: { expression: 'name COLLATE "C"', type: 'text' },
  expiry: { expression: "COALESCE(expiry, DATE '9999-12-31')", type: 'date' },
  strike: { expression: 'strike', type: 'numeric' },
  instrument_token: { expression: 'instrument_token', type: 'bigint' },
};

export function sortOf(sort: ListQuery['sort']): { key: InstrumentSort; descending: boolean; expression: string; type: string } {
  const descending = sort.startsWith('-');
  const key = (descending ? sort.slice(1) : sort) as InstrumentSort;
  return { key, descending, ...SORT_EXPRESSIONS[key] };
}

/** After: the (sort value, token) of the last row of the previous page. */
export function pageQuery(query: ListQuery, after: { value: string; token: number } | undefined): Sql {
  const where = whereClause(query);
  const sort = sortOf(query.sort);
  const direction = sort.descending ? 'DESC' : 'ASC';
  let text = `SELECT ${ROW_COLUMNS}, (${sort.expression})::text AS sort_value FROM instruments WHERE ${where.text}`;
  if (after) {
    where.values.push(after.value, after.token);
    const n = where.values.length;
    text += ` AND (${sort.expression}, instrument_token) ${sort.descending ? '<' : '>'} ($${n - 1}::${sort.type}, $${n}::bigint)`;
  }
  where.values.push(query.limit + 1); // one extra row says whether another page follows
  text += ` ORDER BY ${sort.expression} ${direction}, instrument_token ${direction} LIMIT $${where.values.length}`;
  if (!after && query.offset) {
    where.values.push(query.offset);
    text += ` OFFSET $${where.values.length}`;
  }
  return { text, values: where.values };
}

export function countQuery(query: ListQuery): Sql {
  const where = whereClause(query);
  return {
    text: `SELECT count(*)::float8 AS total, (SELECT COALESCE(max(id), 0)::float8 FROM dataset_versions) AS dataset_version FROM instruments WHERE ${where.text}`,
    values: where.values,
  };
}
