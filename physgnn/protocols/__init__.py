"""Published evaluation protocols, each in its own module, so that a comparison with a paper uses that paper's
data, budget and model selection: :mod:`physgnn.protocols.platonov` (Platonov et al., 2023)."""
