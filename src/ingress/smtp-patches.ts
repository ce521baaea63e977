// Three narrow changes to smtp-server's connection class that its options cannot express:
// replies whose text already starts with an enhanced status code keep exactly that code, the
// pre-greeting pause is configurable (the built-in 100 ms is fixed), and a client that talks
// before the greeting is dropped with 554 instead of being told 421 and kept.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Options the patched connection reads from the server's options object. */
export interface PatchedServerOptions {
  /** Milliseconds before the greeting; 0 sends it as soon as onConnect has answered. */
  rampartGreetingDelay?: number;
  /** Called when a client sent a command before the greeting; the connection is then closed. */
  rampartOnEarlyTalker?: (remoteAddress: string) => void;
}

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;
let applied = false;

interface Conn {
  _server: { options: PatchedServerOptions & Record<string, unknown> };
  _ready: boolean;
  _upgrading: boolean;
  _closing: boolean;
  remoteAddress: string;
  _setListeners(cb: () => void): void;
  connectionReady(): void;
  send(code: number, data?: unknown, context?: unknown): void;
  close(): void;
  _useEnhancedStatusCodes(): boolean;
}

export function applySmtpPatches(): void {
  if (applied) return;
  applied = true;
  const proto = SMTPConnection.prototype as unknown as Conn & Record<string, unknown>;
  const origSend = proto.send;
  proto.send = function (this: Conn, code: number, data?: unknown, context?: unknown) {
    // smtp-server derives the enhanced code from the basic code alone (550 → 5.1.1), which
    // would turn "550 5.7.1 Relaying denied" into "550 5.1.1 5.7.1 …"; our replies carry their own.
    if (typeof data === 'string' && ENHANCED.test(data)) {
      return origSend.call(this, code, this._useEnhancedStatusCodes() ? data : data.replace(ENHANCED, ''), false);
    }
    return origSend.call(this, code, data, context);
  };
  proto.init = function (this: Conn) {
    this._setListeners(() => {
      const delay = this._server.options.rampartGreetingDelay ?? 0;
      if (delay <= 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), delay).unref();
    });
  };
  const origOnCommand = proto._onCommand as (this: Conn, command: Buffer, cb?: () => void) => void;
  proto._onCommand = function (this: Conn, command: Buffer, cb?: () => void) {
    if (!this._ready && !this._upgrading && !this._closing) {
      this._server.options.rampartOnEarlyTalker?.(this.remoteAddress);
      this.send(554, '5.5.0 Protocol violation: talked before the greeting', false);
      this.close();
      return;
    }
    return origOnCommand.call(this, command, cb);
  };
}
