"""`openvenue verify` and `openvenue replay`, run as real processes against both backends."""

from __future__ import annotations

import re
import subprocess
import sys

from test_journal_contract import live_run

from openvenue.oms.state_hash import state_hash


def openvenue(target, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "openvenue.cli", *args, target.location, "--schema", target.schema],
        capture_output=True, text=True, check=False, timeout=120)


def test_verify_and_replay_print_the_live_state_hash(target):
    live, _ = live_run(target, 1_200, snapshot_every=500)
    expected = state_hash(live)

    verified = openvenue(target, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"state hash: {expected} at seq {live.seq}" in verified.stdout
    used = int(re.search(r"snapshot used: (\d+)", verified.stdout).group(1))
    assert 0 < used <= live.seq
    assert f"events replayed: {live.seq - used} " in verified.stdout
    assert "torn tail: none" in verified.stdout

    replayed = openvenue(target, "replay")
    assert replayed.returncode == 0, replayed.stderr
    assert f"events replayed: {live.seq}\n" in replayed.stdout
    assert f"state hash: {expected}" in replayed.stdout


def test_verify_exits_1_on_a_corrupt_middle_record_and_names_it(target):
    live_run(target, 150, wait_each=True)
    with target.open(readonly=True) as journal:
        ranges = [(r[0], r[1]) for r in journal.records()]
    first, last = ranges[len(ranges) // 2]
    target.execute("UPDATE {s}.journal SET crc = crc + 1 WHERE first_seq = %s", (first,))
    verified = openvenue(target, "verify")
    assert verified.returncode == 1
    assert f"CORRUPT: journal record for events {first}..{last} is corrupt" in verified.stdout
    assert openvenue(target, "replay").returncode == 1


def test_verify_reports_a_torn_tail_without_cutting_it(target):
    live_run(target, 150, wait_each=True)
    with target.open(readonly=True) as journal:
        first, last = [(r[0], r[1]) for r in journal.records()][-1]
    target.execute("UPDATE {s}.journal SET crc = crc + 1 WHERE first_seq = %s", (first,))
    for _ in range(2):  # read-only: the second run finds it again
        verified = openvenue(target, "verify")
        assert verified.returncode == 1
        assert f"torn tail: events {first}..{last} (checksum mismatch)" in verified.stdout
        assert f"at seq {first - 1}" in verified.stdout


def test_verify_of_a_missing_store_is_an_error_not_a_crash(tmp_path):
    result = subprocess.run([sys.executable, "-m", "openvenue.cli", "verify", str(tmp_path / "none")],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2 and "no journal" in result.stderr
    assert not (tmp_path / "none").exists()
