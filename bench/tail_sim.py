#!/usr/bin/env python3
"""tail_sim.py: tail latency of a query fanned out to N shards, simulated from the per-shard call
latencies bench/scale.py measured (OUT.calls: one client-observed latency per shard call and
phase). A query waits for the slowest shard in each of its two phases (statistics, then
search), so its latency is max over N shards of phase 1 + max over N of phase 2; each shard
call is an independent draw from that phase's measured distribution (real shard times of one
query are correlated, which makes the real tail somewhat better than this).

Policies, per shard call:
  single    one replica asked
  duplicate two replicas asked at once, the first answer taken (twice the load)
  hedged    a second replica asked only if the first has not answered after the single
            call's p95 (Dean & Barroso, "The Tail at Scale": about 5% more load)
  replica lost  as single, but 1% of calls hit a replica that died and are retried on the
            other after a detection delay (the worker's connection breaks at once: the
            measured failover costs one more call)

Prints a Markdown table (p50, p99 in ms of the query for each N and policy), and with --kv
key=value lines for bench/report.py. Usage: tail_sim.py CALLS [--kv] [--trials T] [--seed S]
"""
import argparse
import random
import sys

NS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024]


def load(path):
    by = {}
    for line in open(path):
        if line.startswith('#') or not line.strip():
            continue
        method, us = line.split()
        by.setdefault(method, []).append(float(us) / 1000.0)
    return by


def pct(v, p):
    v = sorted(v)
    return v[max(0, -(-len(v) * p // 100) - 1)]


def call(rnd, xs, policy, hedge_at):
    x = rnd.choice(xs)
    if policy == 'duplicate':
        return min(x, rnd.choice(xs))
    if policy == 'hedged':
        return min(x, hedge_at + rnd.choice(xs)) if x > hedge_at else x
    if policy == 'replica lost' and rnd.random() < 0.01:
        return x + rnd.choice(xs)
    return x


def simulate(phases, n, policy, trials, rnd):
    hedge = {m: pct(xs, 95) for m, xs in phases.items()}
    out = []
    for _ in range(trials):
        t = 0.0
        for m, xs in phases.items():
            t += max(call(rnd, xs, policy, hedge[m]) for _ in range(n))
        out.append(t)
    return pct(out, 50), pct(out, 99)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('calls')
    ap.add_argument('--kv', action='store_true')
    ap.add_argument('--trials', type=int, default=2000)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    by = load(a.calls)
    phases = {m: by[m] for m in ('qstats', 'search') if m in by}
    if len(phases) != 2:
        print('tail_sim: %s lacks qstats and search calls' % a.calls, file=sys.stderr)
        return 1
    rnd = random.Random(a.seed)
    policies = ['single', 'duplicate', 'hedged', 'replica lost']
    rows = []
    for n in NS:
        trials = a.trials if n <= 256 else a.trials // 4
        rows.append((n, [simulate(phases, n, p, trials, rnd) for p in policies]))
    if a.kv:
        for m, xs in phases.items():
            print('call_%s_p50_ms=%.3f' % (m, pct(xs, 50)))
            print('call_%s_p99_ms=%.3f' % (m, pct(xs, 99)))
        for n, res in rows:
            for p, (p50, p99) in zip(policies, res):
                key = p.replace(' ', '_')
                print('sim_n%d_%s_p50_ms=%.3f' % (n, key, p50))
                print('sim_n%d_%s_p99_ms=%.3f' % (n, key, p99))
        return 0
    print('| shards | ' + ' | '.join('%s p50 / p99 (ms)' % p for p in policies) + ' |')
    print('|---:|' + '---:|' * len(policies))
    for n, res in rows:
        print('| %d | ' % n + ' | '.join('%.2f / %.2f' % r for r in res) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
