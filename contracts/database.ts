/**
 * The table node-pg-migrate records applied migrations in. The origin's
 * migrator writes it; the edge's health check reads the newest row.
 */
export const MIGRATIONS_TABLE = 'schema_migrations';
