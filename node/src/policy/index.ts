export * from './policy.js';
export { WASM_BATCH, WasmPolicy, policiesBuildDir, type WasmPolicyOptions } from './wasm-policy.js';
export { defaultPolicyWorkers } from './open-policy.js';
export { OpaServerPolicy, OpaServerProcess } from './opa-server-policy.js';
export { openPolicy, opaBinary, policiesBundleDir, policyRevision } from './open-policy.js';
export { ENTRYPOINTS } from './opa-input.js';
