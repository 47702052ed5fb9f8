// @vellum/sdk: build, sign and submit Vellum transactions; keys and keystores; the client
// behaviour of docs/client.md; events; multi-party signing; offline verification of evidence
// bundles, payment receipts and status proofs; SD-JWT VC credentials (issue, present, verify with
// their ledger evidence). Browser-safe (no Node built-ins); `@vellum/sdk/node` adds
// file helpers for Node.

export * from "./errors.js";
export { toHex, fromHex, utf8, concat, equal, randomBytes } from "./bytes.js";
export { parseJson, stringifyJson } from "./json.js";
export { ENCODING_VERSION, U64_MAX, Reader, Writer, encode, decode, canonical, toWire, fromWire, asU64 } from "./encoding.js";
export * as schemas from "./types.js";
export { PublicKey, KEY_SCHEMES } from "./types.js";
export {
  DOMAIN,
  STATE_KEY,
  sha256,
  accountIdOf,
  proofIdOf,
  saltedDigest,
  kycCommitment,
  batchRoot,
  proofStateKey,
  memberStateKey,
  validatorSetChangeKey,
  batchMembersKey,
  holderKey,
  issuerProfileKey,
  witnessPolicyKey,
  contractIdOf,
  contractKycCommitment,
  invoiceIdOf,
} from "./hash.js";
export { leafHash, nodeHash, merkleRoot, inclusionProof, inclusionError, consistencyProof, consistencyError, verifyMapProof } from "./merkle.js";
export {
  NOTE_BYTES_MAX,
  NOTE_SIGNATURES_MAX,
  base64,
  fromBase64,
  newCheckpoint,
  checkpointText,
  checkpointNote,
  parseCheckpoint,
  noteKeyHash,
  cosignatureKeyHash,
  cosignedMessage,
  countCosignatures,
  countNoteSignatures,
  signCheckpoint,
  cosignCheckpoint,
} from "./checkpoint.js";
export { WITNESSED_NOTE_BYTES_MAX, WITNESS_PROOF_HASHES_MAX, verifyWitnessed, parseWitnessPolicy, witnessPolicy, checkWitnessPolicy, witnessedLine } from "./witness.js";
export { SecretKey, verifySignature, signedBy, normalizeP256 } from "./keys.js";
export { openKeystore, createKeystore, parseKeystore, loadKey, isKeystoreText, KDF_MEMORY_KIB_MIN, PASSWORD_CHARS_MIN } from "./keystore.js";
export {
  TX_BYTES_MAX,
  TX_SIGNATURES_MAX,
  SCHEMA_WHOLE_FILE,
  bodyFromJson,
  bodyToJson,
  unsignedFromJson,
  unsignedToJson,
  unsignedWire,
  unsignedFromWire,
  signingBytes,
  txId,
  txHash,
  txLeafBytes,
  signTransaction,
  encodeTransaction,
  decodeTransaction,
  verifyTransaction,
  checkShape,
  checkUnsignedShape,
  checkBodyShape,
  checkReasonCode,
  isReasonCode,
  DEFAULT_REASON_CODES,
  REASON_CODE_BYTES_MAX,
  REASON_CODES_MAX,
  BATCH_MEMBERS_PER_TX_MAX,
  HOLDERS_PER_TX_MAX,
  ISSUER_NAME_BYTES_MAX,
  ISSUER_DOMAIN_BYTES_MAX,
  isDomainName,
  issuerProfileProblem,
  witnessPolicyProblem,
  isWitnessName,
  WITNESSES_MAX,
  WITNESS_NAME_BYTES_MAX,
  WITNESS_URL_BYTES_MAX,
  isContractName,
  CONTRACT_CODE_BYTES_MAX,
  CONTRACT_NAME_BYTES_MAX,
  CONTRACT_INPUT_BYTES_MAX,
  CONTRACT_FUEL_MAX,
  VAT_BASIS_POINTS_MAX,
} from "./tx.js";
export { WELL_KNOWN_PATH, WELL_KNOWN_VERSION, WELL_KNOWN_BYTES_MAX, wellKnownDocument, checkWellKnown, fetchWellKnown, issuerProfile, wellKnownSha256 } from "./issuer.js";
export { requestSigningBytes, signedHeaders, HEADER_ACCOUNT, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE } from "./request.js";
export { Pool, Node, parseClientConfig, txKey, wholeKey, proofKey, REFUSED_EVERYWHERE, CONDITIONS } from "./client.js";
export { SUBMIT_BATCH_TXS_MAX, SUBMIT_BATCH_BYTES_MAX, encodeBatchFrame, decodeBatchFrame, batchFrameSize, splitIntoFrames } from "./batch.js";
export { followEvents, parseSse } from "./events.js";
export { buildTxFile, readTxFile, signTxFile, combineTxFiles, checkWeight, txFromFile, txFileText, describeTx, TX_FILE_VERSION } from "./multisig.js";
export {
  verifyBundle,
  verifyReceipt,
  verifyLogAnchor,
  verifyEvidence,
  verifyStatusProof,
  verifyBundleWithStatus,
  statusNow,
  effectiveStatus,
  statusLine,
  issuerLine,
  decodeStatusProof,
  encodeStatusProof,
  decodeBundle,
  encodeBundle,
  decodeReceipt,
  encodeReceipt,
  decodeLogAnchor,
  fillMember,
  openDocument,
  evidenceKind,
  finalizeMessage,
  genesisHashOf,
  epochLengthOf,
  headerHashOf,
  validatorSetHashOf,
  quorum,
  BUNDLE_MAGIC,
  RECEIPT_MAGIC,
  LOG_ANCHOR_MAGIC,
  STATUS_PROOF_MAGIC,
  FILE_VERSION,
  FILE_VERSION_CHAINED,
  FILE_VERSION_ISSUER,
  FILE_VERSION_WITNESSED,
  RECEIPT_VERSION_WITNESSED,
} from "./verify.js";
export {
  issueCredential,
  parseCredential,
  presentCredential,
  verifyPresentation,
  verifyCredential,
  credentialJwt,
  credentialIss,
  makeDisclosure,
  disclosureDigest,
  jwsAlg,
  jwsVerify,
  publicKeyToJwk,
  publicKeyFromJwk,
  jsonText,
  base64url,
  fromBase64url,
  CREDENTIAL_BYTES_MAX,
  DISCLOSURES_MAX,
  CLAIM_NAME_BYTES_MAX,
  SD_JWT_TYP,
  SD_JWT_TYP_LEGACY,
  KB_JWT_TYP,
  DEFAULT_VCT,
} from "./credential.js";
export { Vellum, parseAmount, formatAmount, DEFAULT_CONTRACT_FUEL } from "./vellum.js";
