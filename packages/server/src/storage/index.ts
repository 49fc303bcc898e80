export {
  createSqlStorage,
  type Database,
  type Flavor,
  migrate,
  UNFLUSHED_COMMIT,
  UNFLUSHED_READ,
} from './sql/index.js';
export type * from './types.js';
