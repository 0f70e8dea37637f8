"""Model scores (a file's ``metrics``, written by ``genai-studio eval --write``) in words an
artist reads at a glance. Plain functions of a dict: no Qt, no torch."""

from __future__ import annotations

from typing import Any

NOT_SCORED = "not scored yet"
SCORE_HINT = "press Score in the library to let the judge score it"
# The library's rows stay short (a narrow dock): plain words first, the measure after them;
# this note says once what the measures are.
SCORE_NOTE = ("sharpness: the judge's mean confidence, 1 = every sample a crisp digit · "
              "variety: how far the commonest or rarest digit is from an even 10% · likeness: "
              "the Fréchet distance (FD) of the samples' judge features to real digits' · "
              "knows its data: the test set's negative log-likelihood (NLL) in nats per image · "
              "lower is better for likeness and knowing its data")


def _num(metrics: dict[str, Any], key: str) -> float | None:
    value = metrics.get(key)
    return float(value) if isinstance(value, int | float) else None


def score_rows(metrics: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) rows for the library's info box, plain words first and the measure's
    name after them; one 'not scored yet' row if none."""
    metrics = metrics or {}
    confidence = _num(metrics, "mean_confidence")
    if confidence is None and _num(metrics, "nll_nats") is None:
        if _num(metrics, "pixel_fd") is not None:  # the artist's own images: no judge
            return _label_free_rows(metrics)
        return [("quality", f"{NOT_SCORED} ({SCORE_HINT})")]
    rows: list[tuple[str, str]] = []
    if confidence is not None:
        rows.append(("sharpness", f"{confidence:.2f} (judge confidence, 1 = crisp)"))
    deviation = _num(metrics, "max_class_deviation")
    shares = metrics.get("class_shares") or []
    if deviation is not None:
        present = sum(1 for s in shares if s > 0) if shares else None
        digits = f"{present}/10 digits, " if present is not None else ""
        rows.append(("variety", f"{digits}±{100 * deviation:.1f} pts from an even mix"))
    if (accuracy := _num(metrics, "label_accuracy")) is not None:
        rows.append(("on request", f"{100 * accuracy:.1f}% the digit asked for"))
    if (fd := _num(metrics, "judge_fd")) is not None:
        rows.append(("likeness", f"{fd:.1f} from real digits (judge FD, lower is closer)"))
    if (nll := _num(metrics, "nll_nats")) is not None:
        rows.append(("knows its data", f"{nll:.1f} nats per image (test NLL, "
                                       f"{_nll_method(metrics)}; lower is better)"))
    iwae = _num(metrics, "nll_iwae_nats")
    if iwae is not None and isinstance(metrics.get("nll_estimate"), dict):
        rows.append(("… at most", f"{iwae:.1f} nats (IWAE bound, k={metrics.get('k')})"))
    if (recon := _num(metrics, "reconstruction_accuracy")) is not None:
        rows.append(("redraws", f"{100 * recon:.1f}% of test digits as the same digit"))
    if (elbo := _num(metrics, "neg_elbo_nats")) is not None:
        rows.append(("… ELBO", f"{elbo:.1f} nats (negative evidence lower bound)"))
    if (n := metrics.get("n")) is not None:
        rows.append(("scored on", f"{n} samples"))
    return rows


def _label_free_rows(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """A model of the artist's own images, scored against its dataset without a judge."""
    data = metrics.get("data") or "its data"
    return [("variety", f"{metrics.get('ndb')} of {metrics.get('ndb_bins')} kinds of image "
                        f"drawn too often or too rarely (NDB against {data}, lower is better)"),
            ("likeness", f"{float(metrics['pixel_fd']):.3f} from {data}'s images in shape and "
                         "tone (pixel FD, lower is closer)"),
            ("scored on", f"{metrics.get('n')} samples")]


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
        parts.append(f"sharpness {confidence:.2f}")
    if (accuracy := _num(metrics, "label_accuracy")) is not None:
        parts.append(f"on request {100 * accuracy:.0f}%")
    elif (deviation := _num(metrics, "max_class_deviation")) is not None:
        parts.append(f"variety ±{100 * deviation:.1f} pts")
    elif (pixel_fd := _num(metrics, "pixel_fd")) is not None:  # the artist's own images
        parts.append(f"variety {metrics.get('ndb')}/{metrics.get('ndb_bins')} bins off, "
                     f"likeness {pixel_fd:.3f}")
    if (nll := _num(metrics, "nll_nats")) is not None:
        parts.append(f"knows its data {nll:.1f} nats")
    return "quality: " + (", ".join(parts) if parts else NOT_SCORED)
