"""Model and optimizer registries: names → constructors, so configs and pages stay declarative."""

from __future__ import annotations

from .lazy import LazyModule

torch = LazyModule("torch")  # configs read the names below without importing torch
nn = LazyModule("torch.nn")

MODELS = {
    # The seed's regression model: weight kg = slope · height cm + intercept.
    "linear_regression": lambda cfg: nn.Linear(1, 1),
    # The seed's MNIST model on flattened 28×28 images.
    "linear": lambda cfg: nn.Linear(784, 10),
    "mlp": lambda cfg: nn.Sequential(nn.Linear(784, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 10)),
}

def _binary(cfg):
    """A logit for two classes: logistic regression (a line) or a small net; a loss that takes a
    probability (naive BCE) gets a sigmoid on top, as the seed writes it."""
    if cfg.model == "logistic":
        net = nn.Linear(cfg.n_inputs, 1)
    else:
        act = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}[cfg.activation]
        layers = [nn.Linear(cfg.n_inputs, cfg.hidden), act()]
        for _ in range(cfg.depth - 1):
            layers += [nn.Linear(cfg.hidden, cfg.hidden), act()]
        net = nn.Sequential(*layers, nn.Linear(cfg.hidden, 1))
    return nn.Sequential(net, nn.Sigmoid()) if cfg.loss_fn.input_kind == "probability" else net


MODELS["logistic"] = MODELS["net"] = _binary

OPTIMIZERS = {
    "sgd": lambda params, cfg: torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum),
    "adam": lambda params, cfg: torch.optim.Adam(params, lr=cfg.lr),
    "rmsprop": lambda params, cfg: torch.optim.RMSprop(params, lr=cfg.lr, momentum=cfg.momentum),
}



def build_model(config):
    """Seeded construction: the same config always starts from the same weights."""
    torch.manual_seed(config.seed)
    return MODELS[config.model](config)


def build_optimizer(model, config):
    return OPTIMIZERS[config.optimizer](model.parameters(), config)
