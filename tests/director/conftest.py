# SPDX-License-Identifier: BSD-3-Clause
"""pytest fixtures for the director's end-to-end tests (see dirlab.py for the drawing)."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# this directory's modules, and glbnet (tests/glbnet), the harness they share
sys.path[:0] = [str(HERE), str(HERE.parent)]

import dirlab  # noqa: E402
import glbmodel  # noqa: E402
from glbnet import director as gdirector  # noqa: E402
from glbnet import tables as gtables  # noqa: E402


class DirectorLab:
    """The lab plus at most one running director, restarted when a test asks
    for another configuration or table (tests of one configuration are kept
    together, so a module starts few directors)."""

    def __init__(self, lab, workdir: Path):
        self.lab = lab
        self.workdir = workdir
        self.port = dirlab.PacketPort(lab.test_ns)
        self.current = None
        self.key = None
        self.tables_compiled = {}

    # -- the director ------------------------------------------------------

    def director(self, conf: glbmodel.DirectorConfig, tables):
        """A director running with this config and forwarding table (JSON tables)."""
        key = (conf.to_json(), gtables.dumps(tables))
        if self.current is not None and self.key == key and self.current.alive():
            return self.current
        self.stop()
        d = dirlab.Director(conf, self.table_bin(tables), self.workdir,
                            vdev=f"net_af_packet0,iface={dirlab.DIRECTOR_IF}",
                            netns=self.lab.director_ns)
        self.current, self.key = d, key
        d.start()
        return d

    def stop(self):
        d, self.current, self.key = self.current, None, None
        if d is not None:
            d.stop()

    # -- expectations --------------------------------------------------------

    def expect(self, frame):
        d = self.current
        return glbmodel.expected_output(bytes(frame), d.tables, d.conf, dirlab.DIRECTOR_MAC)

    def route(self, frame):
        """The model's Route (or Drop) for a frame, for tests that check where it goes."""
        d = self.current
        flow = glbmodel.parse_frame(bytes(frame))
        return flow if isinstance(flow, glbmodel.Drop) else glbmodel.route(flow, d.tables, d.conf)

    def _fail_context(self):
        d = self.current
        tail = "\n".join(d.lines[-40:])
        state = "running" if d.alive() else f"EXITED with {d.proc.returncode}"
        return f"\n--- director ({state}), last output:\n{tail}"

    def forward(self, frames, what="", ordered=True):
        """Every frame is forwarded: the captured output is exactly the model's,
        in order (or in any order: packets of different flows may be reordered
        by a distributor)."""
        frames = [bytes(f) for f in frames]
        expected = []
        for i, f in enumerate(frames):
            e = self.expect(f)
            assert not isinstance(e, glbmodel.Drop), f"{what}: the model drops frame {i} ({e})"
            expected.append(e)
        got = self.port.exchange(frames, len(expected))
        if not ordered:
            expected, got = sorted(expected), sorted(got, key=dirlab.normalise)
        try:
            dirlab.assert_frames(expected, got, what)
        except AssertionError as e:
            raise AssertionError(str(e) + self._fail_context()) from None
        return expected

    def drop(self, frames, sentinel, reason, what=""):
        """None of frames comes out; the sentinel sent after them does (so the
        director was alive and had read them: one RX queue keeps order)."""
        frames = [bytes(f) for f in frames]
        for i, f in enumerate(frames):
            e = self.expect(f)
            assert e == reason, f"{what}: the model says {e!r} for frame {i}, not {reason!r}"
        expected = self.expect(sentinel)
        assert not isinstance(expected, glbmodel.Drop), f"{what}: sentinel dropped ({expected})"
        got = self.port.exchange(frames + [bytes(sentinel)], 1)
        try:
            dirlab.assert_frames([expected], got, f"{what} (dropped frames, then the sentinel)")
        except AssertionError as e:
            raise AssertionError(str(e) + self._fail_context()) from None

    # -- over a pcap file (net_pcap) ------------------------------------------

    def table_bin(self, tables):
        """The tables (JSON dicts) compiled with glb-director-cli, once per content."""
        key = gtables.dumps(tables)
        if key not in self.tables_compiled:
            self.tables_compiled[key] = gtables.compile_document(
                gtables.document(tables), self.workdir / f"table{len(self.tables_compiled)}.bin")
        return self.tables_compiled[key]

    def pcap_check(self, conf, tables, cases, what=""):
        """Run a director over a pcap of the frames in cases [(frame, verdict)],
        verdict None for "forwarded" or the Drop the model must give; the
        output must be exactly the forwarded frames' expectations, in order,
        and every received frame must be sent or counted as a drop."""
        frames = [bytes(f) for f, _ in cases]
        got, d = dirlab.run_pcap_director(conf, self.table_bin(tables), self.workdir, frames,
                                          sum(v is None for _, v in cases))
        mac = d.port_mac()
        assert mac, f"the director did not report port 0's MAC\n{d.output()}"
        expected = []
        for i, (f, verdict) in enumerate(zip(frames, (v for _, v in cases))):
            e = glbmodel.expected_output(f, d.tables, conf, mac)
            if verdict is None:
                assert not isinstance(e, glbmodel.Drop), f"{what}: the model drops frame {i} ({e})"
                expected.append(e)
            else:
                assert e == verdict, f"{what}: the model says {e!r} for frame {i}, not {verdict!r}"
        tail = "\n--- director output:\n" + "\n".join(d.lines[-40:])
        try:
            dirlab.assert_frames(expected, got, what)
        except AssertionError as e:
            raise AssertionError(str(e) + tail) from None
        c = d.final_counters()
        drops = gdirector.drops(c)
        assert (c.get("rx"), c.get("tx"), drops) == (len(frames), len(expected),
                                                      len(frames) - len(expected)), \
            f"{what}: counters {c}: every frame received must be sent or counted as dropped" + tail
        return expected

    def close(self):
        try:
            self.stop()
        finally:
            self.port.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One lab per test module: no director outlives the module that started it."""
    netlab = dirlab.Lab().open()
    try:
        dl = DirectorLab(netlab, tmp_path_factory.mktemp("director"))
    except BaseException:
        netlab.close()
        raise
    try:
        yield dl
    finally:
        try:
            dl.close()
        finally:
            netlab.close()
