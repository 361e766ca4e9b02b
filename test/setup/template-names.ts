/**
 * The template databases the global setup makes once on the test Postgres
 * (test/setup/backing-services.ts). A module of names only, so workers tests
 * (which cannot load `pg`) can copy a template too.
 */
export const MIGRATED_TEMPLATE = 'template_migrated';
export const REGISTRY_TEMPLATE = 'template_registry';
