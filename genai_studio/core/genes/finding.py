"""Finding a model's genes from image measures, in seconds (torch for decoding, NumPy for the rest).

1. **Data.** Pairs (z, measures of G(z)) for ``n`` of the model's own samples z, drawn as the
   studio draws them (its prior: a clustered GAN's mixture, say); they also set the units:
   one unit of a gene is one standard deviation of its measure across those samples. Given
   real images (``images``), a model with an encoder regresses on pairs (encoder mean
   mu(x), measures of x) instead (on vae-32d that steered no better: the studio and the CLI
   use samples for every model).
2. **Nuisance.** What picks the kind of digit is held out of the regression: a conditional
   model's digit and a clustered GAN's cluster (latents and measures are centred within
   each; the cluster coordinates are never moved). Given a classifier (the judge, for 28x28
   digits) and a latent of at least ``MIN_DIM_FOR_CLASSES`` dimensions, the directions
   along which its class log-probabilities change (regressed on the latents the same way)
   are projected out of every gene, so a gene steps off the lines that change the digit.
   (Centring within the classes it reads as well kept no more digits in class.)
3. **The same digit, transformed.** Across different samples, what goes with a measure is
   also the kind of digit (slanted digits are more often ones): a direction regressed across
   them turns eights into ones. So each measure with a transformation (``core.genes.paired``:
   shear, dilation, stretch, a turn of the colour wheel, a lighter ink) is steered by the mean
   latent step per unit of it when ``pairs`` samples are transformed at a few strengths (their
   encoder means, or a GAN's short inversions), centred within each sample. It is the
   transformation's own step, not traded against the other measures (5.), still projected off
   the judge's class lines (2.); the regression's R^2 (4.) still decides whether a measure is
   steered; where the step answers erratically (6.), the regression's is measured instead.
   With an encoder the step also gets a *slope* (``genes.Gene.slope``): each sample's own step
   regressed on its latent, so a digit leans the way that digit leans when sheared. Each step
   is also tried keeping the latent's length (``genes.Gene.keep_norm``). With the judge, the
   candidate that keeps most calibration samples in class at equal effect is kept
   (``calibration.choose``; the figures are in benchmarks/RESULTS.md); without, the first
   that answers.
4. **Regression.** Ridge regression of each standardised measure m_i on the latents:
   w_i = argmin ||Z w - m_i||^2 + lambda n ||w||^2, R^2 its share of m_i explained. A measure
   the latents barely steer (R^2 < ``MIN_FIT``) is left out, with a note.
5. **Orthogonalising.** Each direction is kept clear of the others' measures: d_i solves
   min ||d||^2 + mu sum_{j != i} (w_j . d)^2 subject to w_i . d = 1, i.e.
   d_i = (I + mu sum_{j != i} w_j w_j^T)^-1 w_i rescaled. mu -> infinity is the dual basis
   (no linear cross-talk at all, but long steps where measures go together, as ink and
   thickness do, and long steps leave the digits the model draws); mu = 0 is plain
   regression. ``MU`` = 4 weighs one unit of cross-talk like four squared units of latent.
6. **Units, measured.** d_i is scaled so that +1 moves m_i by one standard deviation, then
   measured on ``calibration`` samples: decoded at +1, the step is rescaled by what it really
   did; the effect at +1, +2, -1 and -2 and the cross-talk at +1 (every other measure's mean
   change, in its own units) are measured again and kept with the gene
   (``core.genes.calibration``). A gene whose +1 measures under 0.5 after rescaling answers
   erratically and is left out, with a note; so is a curved step whose path runs off beyond
   any number (a slope scaled up by a weak response can do that).
7. **Held to the digit.** A gene with a transformation gets the strengths at which that
   transformation moves its measure by +-1 and +-2 units on the calibration samples, and what
   it does when latents are held to their digit (``core.genes.holding``) is measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from genai_studio.core.errors import UsageError
from genai_studio.core.genes.calibration import Candidate, Classify, Probe, choose
from genai_studio.core.genes.genes import ARTIST, Gene, GeneSet, check_name
from genai_studio.core.genes.measures import measure, unwrap

RIDGE = 1e-3  # lambda, per sample
MU = 4.0
MIN_FIT = 0.1
# Below this many latent dimensions the kind of digit *is* most of the latent (a 2-D VAE's
# plane is a map of the digits): the classifier's classes are not held out there.
MIN_DIM_FOR_CLASSES = 16
# How genes are found, kept with them: a sidecar found by an older method is found again
# (the artist's own genes carried over). 2: the same digit transformed (3. above); 3: with its
# slope where the encoder gives each transformed copy its own latent (3. above); 4: held to
# the digit (7. above).
METHOD = 4
SAMPLES = 3000
CALIBRATION = 400
FLAT = 1e-4  # a measure whose spread across the samples is below this is the same for all

Check = Callable[[], None]
Progress = Callable[[float, str], None]


def free_coordinates(model) -> np.ndarray:  # noqa: ANN001 - a Generator
    """(D,) 1 where a gene may move the latent, 0 on a clustered GAN's cluster coordinates."""
    free = np.ones(int(model.latent_dim), dtype=np.float64)
    clusters = int(getattr(model.config, "clusters", 0) or 0)
    if clusters:
        free[-clusters:] = 0.0
    return free


def artist_gene(name: str, having: np.ndarray, lacking: np.ndarray, samples: np.ndarray,
                free: np.ndarray | None = None) -> Gene:
    """A gene from tiles that have a quality (``having`` (a, D)) and tiles that lack it
    (``lacking`` (b, D)): the direction between their means, one unit being one standard
    deviation of the model's ``samples`` (n, D) along it. ``free``: the coordinates a gene may
    move (a clustered GAN's cluster coordinates stay)."""
    check_name(name)
    if len(having) < 1 or len(lacking) < 1:
        raise UsageError("pick at least one tile that has the quality and one that lacks it")
    having, lacking = (np.asarray(a, np.float64).reshape(len(a), -1) for a in (having, lacking))
    direction = having.mean(axis=0) - lacking.mean(axis=0)
    if free is not None:
        direction = direction * np.asarray(free, np.float64)
    length = float(np.linalg.norm(direction))
    if length < 1e-6:
        raise UsageError("the two groups of tiles sit in the same place; pick others")
    unit_vector = direction / length
    sigma = float(np.std(np.asarray(samples, np.float64) @ unit_vector)) or 1.0
    apart = length / sigma
    return Gene(name, (unit_vector * sigma).astype(np.float32),
                unit="one standard deviation of the model's samples along it",
                how=f"your tiles: {len(having)} with it, {len(lacking)} without",
                source=ARTIST, sigma=sigma, effect=(apart,))


def _groups(model, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:  # noqa: ANN001
    """Which kind of digit each row is: the digit asked for, or the cluster."""
    if labels is not None:
        return np.asarray(labels, np.int64)
    if getattr(model, "mixture", None) is not None:
        import torch

        from genai_studio.core.latent.curation import component_of

        return component_of(model, torch.from_numpy(np.asarray(z, np.float32))).numpy()
    return np.zeros(len(z), dtype=np.int64)


def _centred(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    out = np.asarray(values, np.float64).copy()
    for g in np.unique(groups):
        rows = groups == g
        out[rows] -= out[rows].mean(axis=0)
    return out


def _ridge(z: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """w (D, k) for centred z (n, D) and centred targets (n, k)."""
    gram = z.T @ z + RIDGE * len(z) * np.eye(z.shape[1])
    return np.linalg.solve(gram, z.T @ targets)


def _encode_means(model, images: np.ndarray, labels: np.ndarray | None) -> np.ndarray:  # noqa: ANN001
    import torch

    from genai_studio.core.genes.paired import encode_means
    from genai_studio.core.models.base import from_studio_layout

    device = next(model.parameters()).device
    x = from_studio_layout(torch.from_numpy(np.ascontiguousarray(images, np.float32)))
    y = None if labels is None else torch.from_numpy(np.asarray(labels, np.int64))
    return encode_means(model, x.to(device), y).numpy()


def _directions(w: np.ndarray, free: np.ndarray) -> np.ndarray:
    """The soft dual basis (k, D) of regression rows w (k, D): w_i . d_i = 1."""
    w = w * free[None, :]
    out = np.zeros_like(w)
    eye = np.eye(w.shape[1])
    for i in range(len(w)):
        others = np.delete(w, i, axis=0)
        d = np.linalg.solve(eye + MU * others.T @ others, w[i]) * free
        out[i] = d / max(float(w[i] @ d), 1e-9)
    return out


def _regression_data(model, drawn, images, labels):  # noqa: ANN001, ANN202
    """(latents, measures, labels, words, images) the regression runs on."""
    if images is not None and hasattr(model, "encode") \
            and (labels is not None or not model.conditional):
        images = np.asarray(images, np.float32)
        if images.shape[1:] != drawn.images.shape[1:]:
            raise UsageError("the images given are not the size the model makes")
        labels = labels if model.conditional else None
        z = _encode_means(model, images, labels)
        return (z, measure(images), labels, f"encoder means of {len(images):,} training images",
                images)
    return (drawn.latents, measure(drawn.images), drawn.labels,
            f"{len(drawn.latents):,} of the model's samples", drawn.images)


def _paired_rows(model, names: list[str], drawn, sigma: dict[str, float],  # noqa: ANN001
                 free: np.ndarray, pairs: int | None, check: Check,
                 progress: Progress) -> dict:
    """Each measure with a transformation: the mean latent step per unit of it when the same
    digit is transformed (``core.genes.paired.PairedStep``)."""
    from genai_studio.core.genes.paired import mean_step, paired_measures, pairs_for

    sources = pairs_for(model) if pairs is None else int(pairs)
    rows = slice(0, min(sources, len(drawn.latents)))
    labels = None if drawn.labels is None else drawn.labels[rows]
    out = {}
    for name in [k for k in names if k in paired_measures(drawn.images.ndim == 4)]:
        check()
        progress(0.3, f"transforming {name}")
        found = mean_step(model, name, drawn.images[rows], drawn.latents[rows], labels, free,
                          sigma[name])
        if float(found.vector @ found.vector) > 1e-12:
            out[name] = found
    return out


def _off(basis: np.ndarray, step: np.ndarray) -> np.ndarray:
    """A step (D,) or slope (D, D) with no part along the judge's class lines ``basis``."""
    return step - basis @ (basis.T @ step)


def _paired_tries(found, basis: np.ndarray, free: np.ndarray) -> list[Candidate]:  # noqa: ANN001
    """A paired step (``PairedStep``) off the class lines, as long along the step as before
    (b . d = |b|^2): with its slope (where it has one), then without; then the same keeping
    the latents' length (``genes.Gene.keep_norm``)."""
    vector = _off(basis, found.vector) * free
    factor = float(found.vector @ found.vector) / max(float(vector @ vector), 1e-12)
    tries = [Candidate(vector * factor, None, None, found.how)]
    if found.slope is not None:
        slope = _off(basis, found.slope) * factor
        tries.insert(0, Candidate(vector * factor, slope, found.centre,
                             f"{found.how}; each sample's own step, as it changes across "
                             "the latents"))
    return tries + [replace(t, how=f"{t.how}; the latents kept at their length",
                            keep_norm=True) for t in tries]


def _found_steps(model, drawn, regression, sigma, classify, pairs, check, progress):  # noqa: ANN001, ANN202
    """(names, their fit R^2, for each the candidate steps (``Candidate``) to calibrate: the paired
    ones where there are some, then the regression's)."""
    z, found, z_labels, words, regressed = regression
    names = list(sigma)
    probs = None
    if classify is not None and model.latent_dim >= MIN_DIM_FOR_CLASSES:
        probs = classify(regressed)
    groups = _groups(model, z, z_labels)
    zc = _centred(z, groups)
    targets = np.stack([unwrap(k, found[k]) / sigma[k] for k in names], axis=1)
    tc = _centred(targets, groups)
    w = _ridge(zc, tc).T  # (k, D)
    fit = 1.0 - ((tc - zc @ w.T) ** 2).mean(axis=0) / np.maximum(tc.var(axis=0), 1e-12)
    free = free_coordinates(model)
    paired = {} if pairs == 0 else _paired_rows(
        model, names, drawn, sigma, free, pairs, check, progress)
    basis = np.zeros((w.shape[1], 0))
    if probs is not None:  # keep the digit: no step along the class log-probabilities' lines
        logp = _centred(np.log(np.asarray(probs, np.float64) + 1e-6), groups)
        basis, _ = np.linalg.qr(_ridge(zc, logp - logp.mean(axis=0)))
    w = w - (w @ basis) @ basis.T
    steps = _directions(w, free)  # kept clear of the others' measures (as regressed) ...
    tries = [[Candidate(steps[i], None, None,
                   f"ridge regression of {name} on {words} (R² {fit[i]:.2f}), kept clear of "
                   "the other genes' measures", fallback=name in paired)]
             for i, name in enumerate(names)]
    for i, name in enumerate(names):  # ... but a paired step is the transformation's own,
        if name in paired:  # tried first
            tries[i][:0] = _paired_tries(paired[name], basis, free)
    return names, fit, tries


def find_genes(model, *, n: int = SAMPLES, seed: int = 0,  # noqa: ANN001 - a Generator
               images: np.ndarray | None = None, labels: np.ndarray | None = None,
               classify: Classify | None = None, calibration: int = CALIBRATION,
               pairs: int | None = None, hold: bool = True, check: Check = lambda: None,
               progress: Progress = lambda _f, _s: None) -> GeneSet:
    """The model's genes (see the module doc); ``model_sha256`` is left for the caller.
    ``pairs``: how many samples are transformed for the paired genes (None: the default for
    the model, 0: none, every gene by regression across samples); ``hold``: the genes with a
    transformation are held to the digit (7.)."""
    from genai_studio.core.genes.holding import with_hold
    from genai_studio.core.genes.paired import paired_measures
    from genai_studio.core.latent.sampling import sample

    model.eval()
    progress(0.0, "drawing samples")
    drawn = sample(model, n, seed)
    own = measure(drawn.images)
    spreads = {k: float(np.std(unwrap(k, v))) for k, v in own.items()}
    sigma = {k: v for k, v in spreads.items() if v > FLAT}
    notes = [f"{k}: every sample has the same {k}" for k in spreads if k not in sigma]
    own = {k: own[k] for k in sigma}
    check()
    progress(0.3, "regressing")
    regression = _regression_data(model, drawn, images, labels)
    words = regression[3]
    if not sigma:
        return GeneSet("0" * 64, int(model.latent_dim), (), words, tuple(notes), METHOD)
    names, fit, tries = _found_steps(model, drawn, regression, sigma, classify, pairs, check,
                                     progress)
    # calibrated on samples the paired steps were not found from, where there are enough
    rows = slice(max(0, len(drawn.latents) - calibration), len(drawn.latents))
    labels_ = None if drawn.labels is None else drawn.labels[rows]
    classes = None if classify is None else classify(drawn.images[rows]).argmax(axis=1)
    probe = Probe(model, drawn.latents[rows], labels_, {k: own[k][rows] for k in names},
                  sigma, classify, classes)
    genes = []
    for i, name in enumerate(names):
        check()
        progress(0.4 + 0.6 * i / len(names), f"measuring {name}")
        if fit[i] < MIN_FIT:  # judged by the regression across samples, paired or not
            notes.append(f"{name}: the latents barely steer it (R² {fit[i]:.2f})")
            continue
        gene = choose(name, tries[i], probe, float(fit[i]), sigma[name])
        if gene is None:
            notes.append(f"{name}: a step along it barely or erratically changes it")
            continue
        if hold and name in paired_measures(drawn.images.ndim == 4):
            progress(0.4 + 0.6 * (i + 0.5) / len(names), f"holding {name} to the digit")
            gene = with_hold(model, gene, drawn.images[rows], drawn.latents[rows], labels_,
                             classify, check)
        genes.append(gene)
    progress(1.0, "done")
    return GeneSet("0" * 64, int(model.latent_dim), tuple(genes), words, tuple(notes), METHOD)


def genes_for(model, model_path, sha256: str, judge_path=None,  # noqa: ANN001
              recompute: bool = False, check: Check = lambda: None,
              progress: Progress = lambda _f, _s: None) -> tuple[GeneSet, bool]:
    """The model's genes from its sidecar, or found now and kept there; (genes, found now).
    The judge (28x28 models only) keeps digits in class while finding them."""

    from genai_studio.core.errors import GenAIError
    from genai_studio.core.store.sidecar import load_genes, save_genes, set_aside

    try:
        kept = load_genes(model_path, sha256)
    except GenAIError:  # damaged, or a newer studio's: kept aside, never written over
        kept = None
        set_aside(model_path)
    if kept is not None and kept.latent_dim != model.latent_dim:
        kept = None
    if kept is not None and not recompute and kept.method >= METHOD:
        return kept, False
    from genai_studio.core.scoring.metrics import judge_classifier

    classify = judge_classifier(judge_path) if tuple(model.image_shape[1:]) == (28, 28) \
        else None
    genes = replace(find_genes(model, classify=classify, check=check, progress=progress),
                    model_sha256=sha256)
    for gene in () if kept is None else kept.genes:  # the artist's own genes stay
        if gene.source == ARTIST and genes.get(gene.name) is None:
            genes = genes.with_gene(gene)
    try:
        save_genes(model_path, genes)
    except GenAIError:
        pass  # nowhere to keep them: they are found again next time
    return genes, True
