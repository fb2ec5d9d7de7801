"""`make eval` runs: the benchmark reads the labelled mails and prints its table (figures are not asserted)."""
from tests import evaluate


def test_evaluation_runs_on_a_few_mails(capsys):
    evaluate.main(["--limit", "12"])
    out = capsys.readouterr().out
    assert out.startswith("12 mails (")
    for decision in evaluate.CHECKS:
        assert f"{decision:32} tuning" in out and f"{decision:32} held-out" in out
