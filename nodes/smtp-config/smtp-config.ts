/**
 * `staykey-smtp`: the mail server guest and host emails go through. The user name and password are
 * Node-RED credentials (encrypted in flows_cred.json, never in an exported flow); notifiers only get
 * a `mailer` to send with.
 */
import type { Node, NodeDef } from 'node-red';
import { Mailer, SmtpSettings, StartTls, checkSmtpSettings, smtpMailer } from '../../lib/notify/email';
import { RED, numberSetting } from '../shared/runtime';

interface SmtpConfigDef extends NodeDef {
  host: string;
  port: string | number;
  secure: boolean;
  startTls?: StartTls;
  from: string;
}

interface SmtpCredentials {
  user?: string;
  password?: string;
}

interface SmtpConfigNode extends Node<SmtpCredentials> {
  mailer: Mailer;
}

const START_TLS: StartTls[] = ['auto', 'require', 'ignore'];

export = function (RED: RED) {
  function SmtpConfig(this: SmtpConfigNode, config: SmtpConfigDef) {
    RED.nodes.createNode(this, config);
    const settings = settingsFrom(config, this.credentials ?? {});
    let problem: string | undefined;
    try {
      checkSmtpSettings(settings);
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    const mailer = smtpMailer(settings);
    this.mailer = {
      describe: mailer.describe,
      // Checked on every send, so a half-filled config shows up on the notifier that uses it.
      send: (mail) => (problem ? Promise.reject(new Error(problem)) : mailer.send(mail)),
    };
  }

  RED.nodes.registerType<SmtpConfigNode, SmtpConfigDef, unknown, SmtpCredentials>('staykey-smtp', SmtpConfig, {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
    },
  });
};

function settingsFrom(config: SmtpConfigDef, credentials: SmtpCredentials): SmtpSettings {
  const secure = config.secure === true;
  return {
    host: String(config.host ?? '').trim(),
    port: numberSetting(config.port, secure ? 465 : 587),
    secure,
    startTls: START_TLS.includes(config.startTls as StartTls) ? config.startTls : 'auto',
    from: String(config.from ?? '').trim(),
    user: credentials.user?.trim() || undefined,
    password: credentials.password || undefined,
  };
}
