"""Must show: freshness. `lakeq produce --rate R` publishes a steady stream while
`lakeq stream --max-latency 1s` runs; a loop runs `lakeq "select count(*) from events"`
and records when each count became visible. Message k's produce time is interpolated from
the producer's per-second progress lines; its delay is the start time of the first query
that counted it minus that. Prints p50/p90/p99/max.
usage: freshness.py LAKEQ BROKERS WORK SCHEMA [RATE] [SECONDS]"""
import bisect, json, os, subprocess, sys, time

lakeq, brokers, work, schema = sys.argv[1:5]
rate = int(sys.argv[5]) if len(sys.argv) > 5 else 20000
seconds = int(sys.argv[6]) if len(sys.argv) > 6 else 60
lake = f"{work}/fresh-lake"
env = dict(os.environ)
# The topic exists (and the group has joined) before the clock starts.
subprocess.run([lakeq, "produce", "--brokers", brokers, "--topic", "fresh", "--rows", "1000", "--partitions", "4"], check=True, env=env,
               capture_output=True)
stream = subprocess.Popen([lakeq, "stream", "--brokers", brokers, "--topic", "fresh", "--group", "fresh", "--table", "events",
                           "--lake", lake, "--schema", schema, "--partition-by", "date", "--max-latency", "1s",
                           "--status-interval", "5"], stderr=open(f"{work}/fresh-stream.log", "w"), stdout=subprocess.DEVNULL, env=env)
def count():
    r = subprocess.run([lakeq, "--lake", lake, "--format", "csv", "select count(*) from events"], capture_output=True, text=True, env=env)
    try: return int(r.stdout.strip().splitlines()[-1])
    except Exception: return -1
while count() < 1000: time.sleep(0.2)
base = count()
producer = subprocess.Popen([lakeq, "produce", "--brokers", brokers, "--topic", "fresh", "--rows", str(rate * seconds), "--rate", str(rate),
                             "--seed", "7", "--json"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
polls = []
progress = []
import threading
def read_progress():
    for line in producer.stderr:
        try:
            o = json.loads(line); progress.append((o["time"], o["sent"]))
        except Exception: pass
th = threading.Thread(target=read_progress); th.start()
total = rate * seconds
while True:
    t0 = time.time()
    c = count() - base
    polls.append((t0, c))
    if c >= total: break
    if producer.poll() is not None and time.time() > progress[-1][0] + 30: break
th.join()
stream.terminate(); stream.wait()
times = [p[0] for p in progress]; sent = [p[1] for p in progress]
def produced_at(k):
    i = bisect.bisect_left(sent, k)
    if i == 0: return times[0] - (sent[0] - k) / rate
    if i >= len(sent): return times[-1]
    (t1, s1), (t2, s2) = (times[i - 1], sent[i - 1]), (times[i], sent[i])
    return t1 + (t2 - t1) * (k - s1) / max(1, s2 - s1)
pc = [p[1] for p in polls]
lat = []
for k in range(1000, total + 1, 1000):
    j = bisect.bisect_left(pc, k)
    if j < len(polls): lat.append(polls[j][0] - produced_at(k))
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
query_ms = sorted(polls[i + 1][0] - polls[i][0] for i in range(len(polls) - 1))
print(json.dumps({"rate": rate, "seconds": seconds, "messages": total, "samples": len(lat),
                  "p50_s": round(q(0.5), 3), "p90_s": round(q(0.9), 3), "p99_s": round(q(0.99), 3), "max_s": round(lat[-1], 3),
                  "poll_interval_median_s": round(query_ms[len(query_ms) // 2], 3), "achieved_rate": round(sent[-1] / (times[-1] - times[0] + 1e-9)) if len(sent) > 1 else None}))
