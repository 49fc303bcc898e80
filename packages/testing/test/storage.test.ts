import { backends, storageSuite } from '@parley/testing';

for (const backend of backends) storageSuite(backend);
