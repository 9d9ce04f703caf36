/** a message as it is queued (MailService.prepare): written by the outbox repository, or by another repository as part of its own statement */
export interface OutboxRow {
  id: string;
  template: string;
  to: string;
  userId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}
