export { createSqlStorage, type Database, type Flavor, migrate, UNFLUSHED_READ } from './sql/index.js';
export type * from './types.js';
