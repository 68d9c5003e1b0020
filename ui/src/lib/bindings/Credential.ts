// Hand-written mirror of the Rust type until ts-rs generates this file (same name, same shape).
/** Write-only: a literal secret is reported as `set`, never its value. */
export type Credential =
  | { kind: "none" }
  | { kind: "env"; var: string }
  | { kind: "keychain"; entry: string }
  | { kind: "literal"; set: boolean };
