/**
 * Webhook deliveries waiting for their receiver, kept in the read model's database (table webhook_deliveries, see
 * read-model/migrations.ts): a delivery is stored once it has passed the egress gate and been written (CAP message or
 * STIX bundle), and removed when the receiver has taken it or its attempts ran out. A node that restarts goes on where
 * it stopped.
 */
import type { Sql } from '../../read-model/database.js';

export interface NewDelivery {
  delivery: string;
  format: string;
  contentType: string;
  body: string;
  objectIds: string[];
  purpose: string | null;
}

export interface StoredDelivery extends NewDelivery {
  seq: number;
  attempts: number;
}

interface DbDelivery {
  seq: string | number;
  delivery: string;
  format: string;
  content_type: string;
  body: string;
  object_ids: string[];
  purpose: string | null;
  attempts: number;
}

export class WebhookStore {
  constructor(private readonly db: Sql) {}

  async add(webhook: string, d: NewDelivery): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_deliveries (webhook, delivery, format, content_type, body, object_ids, purpose)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [webhook, d.delivery, d.format, d.contentType, d.body, JSON.stringify(d.objectIds), d.purpose]);
  }

  /** The oldest delivery waiting for the webhook. */
  async next(webhook: string): Promise<StoredDelivery | undefined> {
    const r = await this.db.query<DbDelivery>(
      `SELECT seq, delivery, format, content_type, body, object_ids, purpose, attempts FROM webhook_deliveries
       WHERE webhook = $1 ORDER BY seq LIMIT 1`, [webhook]);
    const row = r.rows[0];
    return row && {
      seq: Number(row.seq), delivery: row.delivery, format: row.format, contentType: row.content_type, body: row.body,
      objectIds: row.object_ids, purpose: row.purpose, attempts: row.attempts,
    };
  }

  async attempted(seq: number, attempts: number): Promise<void> {
    await this.db.query('UPDATE webhook_deliveries SET attempts = $2 WHERE seq = $1', [seq, attempts]);
  }

  async done(seq: number): Promise<void> {
    await this.db.query('DELETE FROM webhook_deliveries WHERE seq = $1', [seq]);
  }

  async waiting(webhook: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM webhook_deliveries WHERE webhook = $1', [webhook]);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Removes the deliveries of webhooks no longer configured; returns how many. */
  async forgetOthers(webhooks: readonly string[]): Promise<number> {
    const r = await this.db.query<{ seq: string }>('DELETE FROM webhook_deliveries WHERE webhook <> ALL($1::text[]) RETURNING seq', [webhooks]);
    return r.rows.length;
  }
}
