"""What each training loss is called in front of a person, and its formula.

Trainers report losses under short keys (``neg_elbo``, ``d_loss``...); the studio shows them
under these plain names (the discriminator is "the critic") with the term and formula as a
tooltip. The signs follow the papers (Kingma &
Welling 2014; Goodfellow et al. 2014, the non-saturating generator loss of their section 3;
Miyato et al. 2018 for the hinge loss; Larsen et al. 2016 for the VAE-GAN), written as the
quantities the trainers minimise. Each formula has its own key (a hinge GAN reports
``d_hinge``, not ``d_loss``), so a name never shows another loss's formula. Torch-free and
Qt-free.
"""

from __future__ import annotations

LOSS_TERMS: dict[str, tuple[str, str]] = {
    "neg_elbo": ("total loss", "−ELBO, the negative evidence lower bound = reconstruction + "
                 "KL = −E_q(z|x)[log p(x|z)] + KL(q(z|x) ‖ p(z)), nats per image (lower is "
                 "better; it bounds −log p(x) from above)"),
    "rec": ("redrawing error", "−E_q(z|x)[log p(x|z)]: Bernoulli cross-entropy of the "
            "decoded image against the input, summed over its pixels, nats per image"),
    "kl": ("map fit", "KL divergence KL(q(z|x) ‖ p(z)) = ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1) "
           "for a diagonal Gaussian q and the standard normal prior, nats per image"),
    "d_loss": ("critic", "L_D = −log D(x) − log(1 − D(G(z))), each term averaged over "
               "its batch (real, generated) and the two summed (the discriminator's "
               "cross-entropy; log 4 ≈ 1.39 when it cannot tell them apart)"),
    "g_loss": ("generator", "L_G = −log D(G(z)): the non-saturating generator loss "
               "(minimising log(1 − D(G(z))) instead gives vanishing gradients early on)"),
    "d_real": ("critic: real looks real", "mean D(x): how sure the discriminator is that "
               "real digits are real"),
    "d_fake": ("critic: made looks real", "mean D(G(z)): how sure the discriminator is that "
               "generated digits are real (0.5 at the game's equilibrium)"),
    # The GAN with the hinge loss (Lim & Ye 2017; Miyato et al. 2018): D outputs a score.
    "d_hinge": ("critic", "L_D = max(0, 1 − D(x)) + max(0, 1 + D(G(z))), each term "
                "averaged over its batch and the two summed, D(·) a score (0 when real digits "
                "score above 1 and generated ones below −1)"),
    "g_hinge": ("generator", "L_G = −D(G(z)): the generator raises the discriminator's score "
                "of its samples"),
    # The VAE-GAN (Larsen et al. 2016): x~ = Dec(z), z ~ q(z|x); x_p = Dec(z_p), z_p ~ N(0, I).
    "llike": ("redrawing error", "L_llike = −log N(Dis_l(x) | Dis_l(x~), I) = ½ ‖Dis_l(x) − "
              "Dis_l(x~)‖² + const: the reconstruction error in the discriminator's feature "
              "space (its last convolution, Dis_l), per image; trains the encoder and, weighted "
              "by γ, the decoder"),
    "l_gan": ("critic", "L_GAN = −[log D(x) + log(1 − D(x~)) + log(1 − D(x_p))]: the "
              "discriminator's cross-entropy on a real digit, a reconstruction and a prior "
              "sample (log 8 ≈ 2.08 when it cannot tell them apart); trains the discriminator "
              "only"),
    "dec_gan": ("generator (decoder)", "the decoder's GAN term, −L_GAN's part it controls: "
                "log(1 − D(x~)) + log(1 − D(x_p)), minimised (the paper's minimax form); the "
                "decoder descends γ·L_llike + this"),
    "dec_gan_ns": ("generator (decoder)", "the decoder's GAN term in the non-saturating form: "
                   "−log D(x~) − log D(x_p), minimised; the decoder descends γ·L_llike + this"),
    "d_prior": ("critic: new looks real", "mean D(Dec(z_p)), z_p ~ N(0, I): how sure the "
                "discriminator is that decoded prior samples are real"),
    "loss": ("error", "−log p(y|x) of the true digit, averaged over the batch"),
    "accuracy": ("accuracy", "share of the batch classified as its true digit"),
}


def label(key: str) -> str:
    """The plain name of a loss (its key where none is known)."""
    return LOSS_TERMS.get(key, (key, ""))[0]


def formula(key: str) -> str:
    return LOSS_TERMS.get(key, ("", ""))[1]
