"""Model scores (a file's ``metrics``, written by ``genai-studio eval --write``) in words an
artist reads at a glance. Plain functions of a dict: no Qt, no torch."""

from __future__ import annotations

from typing import Any

NOT_SCORED = "not scored yet"
SCORE_HINT = "press Score in the library to let the judge score it"
# The library's rows stay short (a narrow dock); this note says once what they mean.
SCORE_NOTE = ("confidence: the judge's certainty, 1 = crisp digits · balance: how far the "
              "commonest or rarest digit is from 10% of samples · FD: distance of the samples' "
              "judge features to real digits · FD and NLL: lower is better")


def _num(metrics: dict[str, Any], key: str) -> float | None:
    value = metrics.get(key)
    return float(value) if isinstance(value, int | float) else None


def score_rows(metrics: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) rows for the library's info box; one 'not scored yet' row if none."""
    metrics = metrics or {}
    confidence = _num(metrics, "mean_confidence")
    if confidence is None and _num(metrics, "nll_nats") is None:
        return [("quality", f"{NOT_SCORED} ({SCORE_HINT})")]
    rows: list[tuple[str, str]] = []
    if confidence is not None:
        rows.append(("confidence", f"{confidence:.2f}"))
    deviation = _num(metrics, "max_class_deviation")
    shares = metrics.get("class_shares") or []
    if deviation is not None:
        present = sum(1 for s in shares if s > 0) if shares else None
        digits = f"{present}/10 digits, " if present is not None else ""
        rows.append(("balance", f"{digits}±{100 * deviation:.1f} pts"))
    if (accuracy := _num(metrics, "label_accuracy")) is not None:
        rows.append(("on request", f"{100 * accuracy:.1f}% the digit asked for"))
    if (fd := _num(metrics, "judge_fd")) is not None:
        rows.append(("judge FD", f"{fd:.1f}"))
    if (nll := _num(metrics, "nll_nats")) is not None:
        rows.append(("test NLL", f"{nll:.1f} nats ({_nll_method(metrics)})"))
    iwae = _num(metrics, "nll_iwae_nats")
    if iwae is not None and isinstance(metrics.get("nll_estimate"), dict):
        rows.append(("IWAE bound", f"{iwae:.1f} nats (k={metrics.get('k')})"))
    if (recon := _num(metrics, "reconstruction_accuracy")) is not None:
        rows.append(("reconstructions", f"{100 * recon:.1f}% judged as the input digit"))
    if (elbo := _num(metrics, "neg_elbo_nats")) is not None:
        rows.append(("neg. ELBO", f"{elbo:.1f} nats"))
    if (n := metrics.get("n")) is not None:
        rows.append(("scored on", f"{n} samples"))
    return rows


def _nll_method(metrics: dict[str, Any]) -> str:
    """How the NLL was estimated: files scored before the converging estimate say IWAE."""
    estimate = metrics.get("nll_estimate")
    if not isinstance(estimate, dict):
        return f"IWAE k={metrics.get('k')}" if metrics.get("k") else "IWAE"
    if estimate.get("method") == "grid":
        return "integrated over the plane"
    return f"refined importance sampling, k={estimate.get('k')}"


def headline(metrics: dict[str, Any] | None) -> str:
    """The one short line the status bar shows for the active model."""
    metrics = metrics or {}
    parts = []
    if (confidence := _num(metrics, "mean_confidence")) is not None:
        parts.append(f"confidence {confidence:.2f}")
    if (accuracy := _num(metrics, "label_accuracy")) is not None:
        parts.append(f"on request {100 * accuracy:.0f}%")
    elif (deviation := _num(metrics, "max_class_deviation")) is not None:
        parts.append(f"balance ±{100 * deviation:.1f} pts")
    if (nll := _num(metrics, "nll_nats")) is not None:
        parts.append(f"NLL {nll:.1f} nats")
    return "quality: " + (", ".join(parts) if parts else NOT_SCORED)
