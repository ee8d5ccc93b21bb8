export * from './policy.js';
export { WasmPolicy, policiesBuildDir } from './wasm-policy.js';
export { OpaServerPolicy, OpaServerProcess } from './opa-server-policy.js';
export { openPolicy, opaBinary, policiesBundleDir, policyRevision } from './open-policy.js';
export { ENTRYPOINTS } from './opa-input.js';
