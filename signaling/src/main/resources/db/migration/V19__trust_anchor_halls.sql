-- A partner's trust anchor vouches only for the halls it was added for (`trust add --halls`): a package or
-- receipt from hall H is verified against this installation's own root and the anchors bound to H, never
-- against another partner's root (which could otherwise issue a seal in any hall's name). Comma-separated
-- hall ids; null (anchors added before this column) vouches for no hall. Portable SQL: H2 and PostgreSQL.
ALTER TABLE trust_anchor ADD COLUMN hall_ids VARCHAR(4000);
