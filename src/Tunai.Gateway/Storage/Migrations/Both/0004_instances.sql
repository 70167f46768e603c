-- Every running gateway instance, renewing its heartbeat (in the database's own clock, so instances on
-- machines whose clocks differ agree on who is alive). An instance whose heartbeat is older than
-- Tunai:Instances:DeadAfter is dead, and the notification leases it held are given back at once.
CREATE TABLE gateway_instances (
    id           TEXT   PRIMARY KEY,
    host         TEXT   NOT NULL,
    process_id   BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

-- Taking over a dead instance's rows finds them by owner; only rows under lease are indexed.
CREATE INDEX notifications_by_lease_owner ON notifications (lease_owner) WHERE lease_owner IS NOT NULL;
