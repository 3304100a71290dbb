import pkcs11js, { type PKCS11 } from "pkcs11js";
import { hsmUnavailable } from "../../errors/key-vault-error.js";
import { acquireModule, initialize, releaseModule } from "./pkcs11-module.js";
import { cryptokiResult, isSessionLoss, Pkcs11SetupError, SessionLost } from "./pkcs11-errors.js";

export type Session = Buffer;

export interface TokenSettings {
  /** Path of the PKCS#11 library. */
  module: string;
  tokenLabel: string;
  pin: string;
}

interface Waiter {
  resolve: (session: Session) => void;
  reject: (error: Error) => void;
}

/** Session states in which the user is logged in: CKS_RO_USER_FUNCTIONS and CKS_RW_USER_FUNCTIONS (not in pkcs11js). */
const USER_STATES = new Set([1, 3]);

/**
 * A pool of logged-in read/write sessions with one token, found by its label. A session runs one operation at a
 * time (PKCS#11 sessions are not concurrent), so callers queue for a free one. When the token restarts — sessions
 * closed, login lost, module finalised, device gone — the pool reopens once (new slot lookup, new sessions, a new
 * login) and the failed operation is tried again; a token still unreachable answers 503.
 */
export class TokenSessions {
  #slot: Buffer;
  /** Every session of the current generation, free or busy: only these are closed (another user of the module keeps its own). */
  #opened: Session[] = [];
  #free: Session[] = [];
  readonly #waiters: Waiter[] = [];
  /** Bumped at every reopen: sessions of an older generation are dropped, and handles found in them forgotten. */
  #generation = 0;
  #reopening: Promise<void> | null = null;
  /** Set when a reopen failed: the next caller tries again instead of waiting for sessions that will not come. */
  #broken = false;
  /**
   * Set when the token refused the PIN on a reopen: it is never tried again by this process, since tokens lock a PIN
   * after a few wrong tries, and a retry per request would lock it within seconds. A restart with the right PIN heals.
   */
  #pinRejected = false;
  #closed = false;

  private constructor(
    readonly pkcs11: PKCS11,
    private readonly settings: TokenSettings,
    private readonly size: number,
  ) {
    this.#slot = this.#findSlot();
  }

  /** Loads the module, finds the token, opens `size` sessions and logs in; setup errors say what to fix. */
  static open(settings: TokenSettings, size = 4): TokenSessions {
    const pkcs11 = acquireModule(settings.module);
    try {
      const sessions = new TokenSessions(pkcs11, settings, size);
      sessions.#opened = sessions.#openSessions();
      sessions.#free = [...sessions.#opened];
      return sessions;
    } catch (error) {
      releaseModule(settings.module);
      throw error;
    }
  }

  get slot(): Buffer {
    return this.#slot;
  }

  get generation(): number {
    return this.#generation;
  }

  /**
   * Runs `operation` on a session of its own. If the token was lost meanwhile, reopens and runs it once more;
   * lost again (or not reopened) → hsmUnavailable(). Other errors pass through unchanged.
   */
  async run<T>(operation: (session: Session) => Promise<T> | T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const generation = this.#generation;
      const session = await this.#acquire();
      try {
        return await operation(session);
      } catch (error) {
        if (!isSessionLoss(error) || this.#closed) throw error;
        if (attempt > 0) throw hsmUnavailable();
      } finally {
        this.#release(session, generation);
      }
      await this.#reopen(generation);
    }
  }

  /** Throws SessionLost (so that run() reopens) when the session is no longer logged in. */
  assertLoggedIn(session: Session): void {
    let state: number;
    try {
      state = this.pkcs11.C_GetSessionInfo(session).state;
    } catch {
      throw new SessionLost();
    }
    if (!USER_STATES.has(state)) throw new SessionLost();
  }

  /** Closes every session and finalises the module (when no other backend in this process still uses it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reopening?.catch(() => undefined);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error("the PKCS#11 backend is closed"));
    for (const session of this.#opened) this.#closeQuietly(session);
    this.#opened = [];
    this.#free = [];
    releaseModule(this.settings.module);
  }

  async #acquire(): Promise<Session> {
    if (this.#closed) throw new Error("the PKCS#11 backend is closed");
    if (this.#broken) await this.#reopen(this.#generation);
    const session = this.#free.pop();
    if (session) return session;
    return new Promise<Session>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(session: Session, generation: number): void {
    if (generation !== this.#generation || this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(session);
    else this.#free.push(session);
  }

  /** Reopens once for everyone who saw `generation` fail; callers that come later find it done. */
  async #reopen(generation: number): Promise<void> {
    if (generation !== this.#generation && !this.#broken) return;
    if (this.#pinRejected) throw hsmUnavailable();
    this.#reopening ??= this.#reopenNow().finally(() => (this.#reopening = null));
    await this.#reopening;
  }

  async #reopenNow(): Promise<void> {
    this.#generation += 1;
    this.#free = [];
    // Most are gone already (that is why we are here); any left would leak.
    for (const session of this.#opened) this.#closeQuietly(session);
    this.#opened = [];
    try {
      initialize(this.pkcs11);
      this.#slot = this.#findSlot();
      const sessions = this.#openSessions();
      this.#broken = false;
      this.#opened = sessions;
      this.#free = [...sessions];
      for (const waiter of this.#waiters.splice(0, sessions.length)) waiter.resolve(this.#free.pop()!);
    } catch {
      this.#broken = true;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(hsmUnavailable());
      throw hsmUnavailable();
    }
  }

  /** The slot whose token label (blank-padded in PKCS#11) is the configured one. */
  #findSlot(): Buffer {
    const labels: string[] = [];
    for (const slot of this.pkcs11.C_GetSlotList(true)) {
      const label = this.pkcs11.C_GetTokenInfo(slot).label.trim();
      if (label === this.settings.tokenLabel) return slot;
      labels.push(JSON.stringify(label));
    }
    const found = labels.length > 0 ? `the tokens present are labelled ${labels.join(", ")}` : "no token is present";
    throw new Pkcs11SetupError(`no token labelled ${JSON.stringify(this.settings.tokenLabel)} in ${this.settings.module}: ${found}`);
  }

  /** Opens the pool's sessions and logs the user in (the login holds for every session of this application). */
  #openSessions(): Session[] {
    const flags = pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION;
    const sessions: Session[] = [];
    try {
      for (let i = 0; i < this.size; i++) sessions.push(this.pkcs11.C_OpenSession(this.#slot, flags));
      this.#login(sessions[0]!);
      return sessions;
    } catch (error) {
      for (const session of sessions) this.#closeQuietly(session);
      throw error;
    }
  }

  #login(session: Session): void {
    try {
      this.pkcs11.C_Login(session, pkcs11js.CKU_USER, this.settings.pin);
    } catch (error) {
      const result = cryptokiResult(error);
      const token = JSON.stringify(this.settings.tokenLabel);
      if (result === "CKR_USER_ALREADY_LOGGED_IN") return;
      if (result === "CKR_PIN_INCORRECT") {
        this.#pinRejected = true;
        throw new Pkcs11SetupError(`wrong PIN for token ${token}`);
      }
      if (result === "CKR_PIN_LOCKED") throw new Pkcs11SetupError(`the user PIN of token ${token} is locked`);
      if (result === "CKR_USER_PIN_NOT_INITIALIZED")
        throw new Pkcs11SetupError(`token ${token} has no user PIN yet: initialise it (softhsm2-util --init-token, or C_InitPIN)`);
      throw new Pkcs11SetupError(`cannot log in to token ${token}: ${result ?? "the module refused"}`);
    }
  }

  #closeQuietly(session: Session): void {
    try {
      this.pkcs11.C_CloseSession(session);
    } catch {
      // Closing is best effort: the session may be gone with its token.
    }
  }
}
