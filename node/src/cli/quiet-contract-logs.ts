/**
 * fabric-contract-api logs every decorator at "info" when the contract module loads. Imported first
 * by the command-line entry points (ES modules evaluate imports in order), so that noise is off
 * unless the operator asks for it with CORE_CHAINCODE_LOGGING_LEVEL.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
export {};
