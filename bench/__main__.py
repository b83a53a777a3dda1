"""`make bench`: every benchmark, each printing its results as ratios to a baseline from the same run."""

import argparse
import asyncio
import sys

from bench import e2ee_bench, effects_bench, join_bench, network_bench, sfu_bench, switch_bench, workers_bench


def main():
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs, for a smoke test")
    args = parser.parse_args()
    join_bench.report(*join_bench.run(5 if args.quick else 10))
    camera = (320, 240, 15)
    switch_bench.report(switch_bench.run(1 if args.quick else 2, camera), camera)
    window = 15 if args.quick else 40
    for scenario in network_bench.SCENARIOS:
        people = 3 if args.quick else network_bench.PEOPLE
        network_bench.report(network_bench.run(network_bench.MODES, people, window, scenario), window, scenario)
    # The peer-to-peer mesh against the node for the 4-person case (a mesh holds at most four).
    people = 3 if args.quick else network_bench.MESH_LIMIT
    network_bench.report(network_bench.run(["mesh", "adaptive"], people, window, "downlink"), window, "downlink")
    people = 3 if args.quick else 4
    e2ee_bench.report(*e2ee_bench.run(people, 5 if args.quick else 10), people)
    effects_bench.report(effects_bench.run(5 if args.quick else 10))
    asyncio.run(workers_bench.main(args.quick))
    return asyncio.run(sfu_bench.main(args.quick))


if __name__ == "__main__":
    sys.exit(main())
