import { sql, type Kysely } from 'kysely';

/**
 * Emails are stored NFC-normalised from now on (one stored spelling per address: a precomposed
 * `é` and `e` + combining accent are one account), and every lookup normalises what is typed the
 * same way. Addresses stored before in another form are rewritten so their accounts stay reachable
 * — unless another account holds the same address in another spelling: those are left as they are
 * (the unique index would refuse the rewrite) for an operator to merge or rename. Pending email
 * change codes carry their new address in NFC too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update users u set email = normalize(u.email, NFC)
    where u.email is not null and not (u.email is nfc normalized)
      and not exists (select 1 from users o where o.id <> u.id and o.email is not null and normalize(o.email, NFC) = normalize(u.email, NFC))`.execute(db);
  await sql`update email_codes set new_email = normalize(new_email, NFC) where new_email is not null and not (new_email is nfc normalized)`.execute(db);
}
