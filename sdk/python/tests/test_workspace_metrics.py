"""kiln_sdk's metrics file in a workspace (KILN_WORKSPACE_METRICS_FILE). Standard library only:
run with `python -m unittest discover -s sdk/python/tests` (test/unit/python-sdk-unittests.test.ts does)."""
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
from contextlib import redirect_stdout
from unittest import mock

from kiln_sdk import log_metric, log_metrics
from kiln_sdk.metrics import METRIC_LINE_PREFIX, WORKSPACE_METRICS_FILE_ENV
from kiln_sdk.workspace import set_metrics_file


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f.read().splitlines()]


class WorkspaceMetricsFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, ".kiln", "metrics.jsonl")
        self.env = mock.patch.dict(os.environ, {WORKSPACE_METRICS_FILE_ENV: self.path})
        self.env.start()

    def tearDown(self):
        self.env.stop()
        self.dir.cleanup()

    def test_prints_the_line_and_appends_the_same_point_with_a_time(self):
        out = io.StringIO()
        with redirect_stdout(out):
            log_metric("acc", 0.9, step=1)
            log_metrics({"loss": 0.25, "f1": 0.5}, step=2, epoch=1)
        self.assertEqual(out.getvalue().splitlines()[0], METRIC_LINE_PREFIX + '{"name":"acc","value":0.9,"step":1}')
        lines = read_lines(self.path)
        self.assertEqual([{k: v for k, v in line.items() if k != "time"} for line in lines], [
            {"name": "acc", "value": 0.9, "step": 1},
            {"name": "loss", "value": 0.25, "step": 2, "epoch": 1},
            {"name": "f1", "value": 0.5, "step": 2, "epoch": 1},
        ])
        for line in lines:
            self.assertIsInstance(line["time"], int)
            self.assertGreater(line["time"], 1_600_000_000_000)

    def test_a_rejected_batch_appends_nothing(self):
        with redirect_stdout(io.StringIO()):
            with self.assertRaises(ValueError):
                log_metrics({"ok": 1.0, "bad": float("nan")})
        self.assertFalse(os.path.exists(self.path))

    def test_lines_from_threads_and_processes_never_interleave(self):
        def log_many(tag):
            for i in range(200):
                log_metric(f"{tag}-metric", float(i), step=i)

        child = (
            "from kiln_sdk import log_metric\n"
            "for i in range(200): log_metric('child-metric', float(i), step=i)\n"
        )
        with redirect_stdout(io.StringIO()):
            proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.DEVNULL, env=os.environ.copy())
            threads = [threading.Thread(target=log_many, args=(f"t{n}",)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(proc.wait(timeout=60), 0)
        lines = read_lines(self.path)
        self.assertEqual(len(lines), 1000)
        for tag in ["t0", "t1", "t2", "t3", "child"]:
            steps = [line["step"] for line in lines if line["name"] == f"{tag}-metric"]
            self.assertEqual(steps, list(range(200)))

    def test_a_file_that_cannot_be_written_warns_and_the_notebook_goes_on(self):
        blocker = os.path.join(self.dir.name, "not-a-dir")
        open(blocker, "w").close()
        with mock.patch.dict(os.environ, {WORKSPACE_METRICS_FILE_ENV: os.path.join(blocker, "metrics.jsonl")}):
            err = io.StringIO()
            with redirect_stdout(io.StringIO()), mock.patch.object(sys, "stderr", err):
                log_metric("acc", 1.0)
        self.assertIn("could not record metrics", err.getvalue())


class OutsideAWorkspaceTest(unittest.TestCase):
    def test_only_prints(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop(WORKSPACE_METRICS_FILE_ENV, None)
            cwd = os.getcwd()
            with tempfile.TemporaryDirectory() as d:
                os.chdir(d)
                try:
                    with redirect_stdout(io.StringIO()):
                        log_metric("acc", 1.0)
                    self.assertEqual(os.listdir(d), [])
                finally:
                    os.chdir(cwd)


class LabLauncherTest(unittest.TestCase):
    def test_points_kernels_at_the_file_under_jupyterlabs_root(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop(WORKSPACE_METRICS_FILE_ENV, None)
            set_metrics_file(["--no-browser", "--ServerApp.root_dir=/ws/files", "--port=1"])
            self.assertEqual(os.environ[WORKSPACE_METRICS_FILE_ENV], "/ws/files/.kiln/metrics.jsonl")

    def test_keeps_a_file_already_named(self):
        with mock.patch.dict(os.environ, {WORKSPACE_METRICS_FILE_ENV: "/elsewhere/m.jsonl"}):
            set_metrics_file(["--ServerApp.root_dir=/ws/files"])
            self.assertEqual(os.environ[WORKSPACE_METRICS_FILE_ENV], "/elsewhere/m.jsonl")


if __name__ == "__main__":
    unittest.main()
