"""Knowledge graph of privacy attacks and defenses for diffusion models."""

__version__ = "0.1.0"
