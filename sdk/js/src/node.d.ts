// Node-only helpers of @vellum/sdk/node (files).
import type { Keystore, SecretKey, Vellum } from "./index.js";

export function loadKeyFile(path: string, options?: { password?: string | null }): Promise<SecretKey>;
export function saveKeyFile(path: string, key: SecretKey): Promise<void>;
export function saveKeystoreFile(
  path: string,
  key: SecretKey,
  password: string,
  options?: { cost?: { memoryKib?: number; passes?: number; lanes?: number }; accountId?: Uint8Array | string | null },
): Promise<Keystore>;
export function loadClientConfig(path: string): Promise<{ chainId: string; genesisHash: string; api: string[]; keysDir: string | null }>;
export function connect(clientTomlPath: string, options?: { fetch?: typeof fetch; verify?: boolean }): Promise<Vellum>;
