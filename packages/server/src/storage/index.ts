export { createSqlStorage, type Database, type Flavor, migrate } from './sql/index.js';
export type * from './types.js';
