-- Joins over the 10M-row lake alone (no dimension tables), for query/ab.py: the in-memory
-- hash join path before and after a change (spill_join.sh uses QS1 and QS2 with a limit).
-- QS1: self-join on event_id of 4M events (unique integer keys, 4M build rows)
SELECT count(*) AS n, sum(a.user_id) AS users, sum(b.bitrate_kbps) AS bitrate, sum(length(b.show)) AS show_chars FROM (SELECT event_id, user_id FROM events WHERE event_id <= 4000000) a JOIN (SELECT event_id, bitrate_kbps, show FROM events WHERE event_id <= 4000000) b ON a.event_id = b.event_id;
-- QS2: every event joined with its user's event count (~1M build rows, 10M probe rows)
SELECT count(*) AS n, sum(u.n) AS per_user, sum(e.bitrate_kbps) AS bitrate, sum(length(e.country)) AS country_chars FROM events e JOIN (SELECT user_id, count(*) AS n FROM events GROUP BY user_id) u ON e.user_id = u.user_id;
-- QS3: a string key with a small build side (per-show counts joined back to every event)
SELECT s.n > 5000 AS popular, count(*) AS n, sum(e.bitrate_kbps) AS bitrate FROM events e JOIN (SELECT show, count(*) AS n FROM events GROUP BY show) s ON e.show = s.show GROUP BY 1 ORDER BY 1;
-- QS4: C1 of query/joins.py (two aggregations joined on show)
WITH views AS (SELECT show, count(*) AS n, avg(watch) AS w FROM events GROUP BY show), done AS (SELECT show, count(*) AS c FROM events WHERE completed GROUP BY show) SELECT v.show, v.n, d.c, d.c / v.n AS rate FROM views v JOIN done d ON v.show = d.show ORDER BY rate DESC, v.show LIMIT 10;
