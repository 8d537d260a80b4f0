// Stands in for the system of record (Postgres, MySQL, an HTTP API...): a slow store whose reads
// and writes are counted, so the demo and the tests can see which requests reached it.
export class ProductDatabase {
  rows = new Map();
  reads = 0;
  writes = 0;
  /** Fails the next n writes (a database outage, for the write-behind retry). */
  failNextWrites = 0;

  constructor(rows = []) {
    for (const row of rows) this.rows.set(String(row.id), { ...row });
  }

  async find(id) {
    this.reads++;
    await new Promise((r) => setTimeout(r, 5)); // the round trip a cache saves
    const row = this.rows.get(String(id));
    return row === undefined ? null : { ...row };
  }

  /** Writes several rows in one statement (what a write-behind flush batches into). */
  async upsertMany(rows) {
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      throw new Error('database unavailable');
    }
    this.writes++;
    for (const row of rows) this.rows.set(String(row.id), { ...row });
  }

  async upsert(row) {
    await this.upsertMany([row]);
  }

  async remove(id) {
    this.writes++;
    this.rows.delete(String(id));
  }
}
