"""What each training loss is called in front of a person, and its formula.

Trainers report losses under short keys (``neg_elbo``, ``d_loss``...); the studio shows them
under these plain names with the formula as a tooltip. The signs follow the papers (Kingma &
Welling 2014; Goodfellow et al. 2014, the non-saturating generator loss of their section 3),
written as the quantities the trainers minimise. Torch-free and Qt-free.
"""

from __future__ import annotations

LOSS_TERMS: dict[str, tuple[str, str]] = {
    "neg_elbo": ("−ELBO", "−ELBO = reconstruction + KL = −E_q(z|x)[log p(x|z)] + "
                 "KL(q(z|x) ‖ p(z)), nats per image (lower is better; it bounds −log p(x) "
                 "from above)"),
    "rec": ("reconstruction", "−E_q(z|x)[log p(x|z)]: Bernoulli cross-entropy of the "
            "decoded image against the input, summed over its pixels, nats per image"),
    "kl": ("KL", "KL(q(z|x) ‖ p(z)) = ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1) for a diagonal "
           "Gaussian q and the standard normal prior, nats per image"),
    "d_loss": ("discriminator", "L_D = −log D(x) − log(1 − D(G(z))), averaged over a real "
               "and a generated batch (the discriminator's cross-entropy; log 4 ≈ 1.39 when it "
               "cannot tell them apart)"),
    "g_loss": ("generator", "L_G = −log D(G(z)): the non-saturating generator loss "
               "(minimising log(1 − D(G(z))) instead gives vanishing gradients early on)"),
    "d_real": ("D(real)", "mean D(x): how sure the discriminator is that real digits are real"),
    "d_fake": ("D(fake)", "mean D(G(z)): how sure the discriminator is that generated digits "
               "are real (0.5 at the game's equilibrium)"),
    "loss": ("cross-entropy", "−log p(y|x) of the true digit, averaged over the batch"),
    "accuracy": ("accuracy", "share of the batch classified as its true digit"),
}


def label(key: str) -> str:
    """The plain name of a loss (its key where none is known)."""
    return LOSS_TERMS.get(key, (key, ""))[0]


def formula(key: str) -> str:
    return LOSS_TERMS.get(key, ("", ""))[1]
