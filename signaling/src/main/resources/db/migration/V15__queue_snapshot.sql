-- Waiting tickets kept across a stop of the cluster's last member (an upgrade of a single-node hall, or a
-- whole-cluster restart): written by that member as it stops, read and deleted by the first member of the
-- next start (queue/QueueSnapshot). Portable SQL: runs on the embedded H2 and on PostgreSQL.
--   kind 'ticket':  item_key the ticket id, item_value the ticket as JSON (its number, queue, serving order,
--                   resume-token hash, the applicant's name and mobile number as the live ticket holds them);
--   kind 'counter': item_key hall|prefix|day, item_value the last ticket number issued.
CREATE TABLE queue_snapshot (
    kind       VARCHAR(16) NOT NULL,
    item_key   VARCHAR(200) NOT NULL,
    item_value VARCHAR(8000) NOT NULL,
    saved_at   BIGINT NOT NULL,
    PRIMARY KEY (kind, item_key)
);
