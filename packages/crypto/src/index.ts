// @parley/crypto: a thin MLS (RFC 9420) adapter over ts-mls, cipher suite 1 only. It owns no storage and no
// network: functions take a group state and return the next one plus the secrets to wipe. Browser-safe; the
// faster node:crypto provider lives in the separate Node-only entry `./node.ts`.
export { decryptApplication, encryptApplication } from './application.js';
export { decodeMessage, MAX_MESSAGE_BYTES } from './codec.js';
export { createContext, type ExternalPsk, type MlsContext } from './context.js';
export {
  type CredentialCheck,
  certifyDevice,
  createDeviceKey,
  createIdentity,
  type DeviceCredential,
  type DeviceName,
  type LookupIdentityKey,
  parleyAuthService,
  readDeviceCredential,
  type SigningKeyPair,
  verifyDeviceCredential,
} from './credentials.js';
export { CryptoError, type CryptoErrorCode } from './errors.js';
export {
  addMembers,
  commitPending,
  createGroup,
  leaveGroup,
  proposeAdd,
  proposeRemove,
  removeMembers,
  selfUpdate,
} from './group.js';
export {
  checkHandshake,
  type GroupInfoCheck,
  type GroupInfoRejection,
  type HandshakeCheck,
  type HandshakeRejection,
  type HubMember,
  inspectGroupInfo,
  type NextEpoch,
} from './hub.js';
export { exportGroupInfo, joinExternal, joinFromWelcome } from './join.js';
export { createKeyPackage, type Device, type KeyPackageBundle, LAST_RESORT_EXTENSION } from './keyPackage.js';
export { processMessage, type Received } from './receive.js';
export {
  type CommitOutcome,
  decodeState,
  encodeState,
  epochAuthenticator,
  epochOf,
  exportSecret,
  type GroupState,
  groupIdOf,
  isActive,
  type Member,
  members,
  type Outcome,
  ownLeafIndex,
  type ProposalOutcome,
} from './state.js';
export { loadSuite, SUITE_NAME, type Suite } from './suite.js';
