"""The book's animations: a field on a square grid, a field on a grid beside its energy curve, and a particle swarm.

Each helper draws the first frame, returns ``(fig, anim)`` (a ``matplotlib.animation.FuncAnimation``), and leaves the
figure open; a chapter turns it into a kernel-free player with :func:`physgnn.plot.animation_html` and closes the
figure. Frames are drawn at ``DPI`` = 72 on a figure about 6.4 inches wide (about 460 pixels): the site's CSS
stretches the player to the full column, and at this size a page of 30 to 40 frames stays well under 2 MB.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DPI", "grid_animation", "grid_energy_animation", "swarm_animation"]

#: Resolution of animation frames, in pixels per inch (the CSS scales the player to the column).
DPI = 72


def _frames(values, name: str, side: int | None = None) -> np.ndarray:
    """``values`` as a float array ``[K, N]``; with ``side``, ``N`` must be ``side**2``."""
    v = np.asarray(values, dtype=float)
    if v.ndim == 3 and v.shape[-1] == 1:
        v = v[..., 0]
    if v.ndim != 2 or v.shape[0] < 1:
        raise ValueError(f"{name}: frames must be [K, N] (one row per frame), got shape {v.shape}")
    if side is not None and v.shape[1] != side * side:
        raise ValueError(f"{name}: frames have {v.shape[1]} values per frame, a {side} x {side} grid needs {side**2}")
    return v


def _times(times, k: int, name: str) -> np.ndarray:
    t = np.asarray(times, dtype=float).reshape(-1)
    if t.shape != (k,):
        raise ValueError(f"{name}: times must hold one value per frame ({k}), got {t.size}")
    return t


def grid_animation(frames, times, side: int, *, linthresh: float = 0.01, label: str = "feature $x_i$",
                   interval: int = 200):
    """A field with values in ``[-1, 1]`` on a ``side x side`` grid graph, one frame per time (red +1, blue -1).

    The colour scale is symmetric-logarithmic: linear for ``|x| < linthresh`` and logarithmic in ``|x|`` above it,
    so small initial noise (``|x| ~ 0.1``) is already visibly red and blue in the first frame, while the wells
    ``±1`` keep the darkest colours. The title gives the time of the frame.

    Shapes:
        - ``frames``: ``[K, side**2]`` (or ``[K, side**2, 1]``), node ``i`` at row ``i // side``, column ``i % side``
        - ``times``: ``[K]``

    Returns ``(fig, anim)``. Raises ``ValueError`` for mismatched shapes, values outside ``[-1, 1]`` or a
    non-positive ``linthresh``.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation
    from matplotlib.colors import SymLogNorm

    v = _frames(frames, "grid_animation", side)
    t = _times(times, v.shape[0], "grid_animation")
    if not np.all(np.isfinite(v)) or np.abs(v).max() > 1 + 1e-9:
        raise ValueError("grid_animation: frames must be finite values in [-1, 1] (the wells of the double well)")
    if not linthresh > 0:
        raise ValueError(f"grid_animation: linthresh must be positive, got {linthresh}")
    norm = SymLogNorm(linthresh=linthresh, linscale=0.3, vmin=-1.0, vmax=1.0, base=10)
    fig, ax = plt.subplots(figsize=(6.4, 5.4), dpi=DPI)
    img = ax.imshow(v[0].reshape(side, side), cmap="RdBu_r", norm=norm, interpolation="nearest")
    bar = fig.colorbar(img, ax=ax, fraction=0.046, pad=0.04, label=label)
    ticks = [-1, -0.1, 0, 0.1, 1]
    bar.set_ticks(ticks, labels=[f"{x:g}" for x in ticks])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    title = ax.set_title(f"t = {t[0]:.1f}")
    fig.tight_layout()

    def draw(k):
        img.set_data(v[k].reshape(side, side))
        title.set_text(f"t = {t[k]:.1f}")
        return img, title

    return fig, animation.FuncAnimation(fig, draw, frames=len(t), interval=interval)


def grid_energy_animation(frames, steps, energy, side: int, *, floor: float = 1e-4, color: str = "#009E73",
                          label: str = "$z_i$", step_name: str = "layer $k$",
                          energy_label: str = "energy trace$(X^\\top L X)$", title: str = "after {step:g} layers",
                          interval: int = 200):
    """A positive field (e.g. dye concentration) on a ``side x side`` grid, log colour scale from ``floor`` to 1,
    beside its energy against the step (log y-axis) with a dot at the current step; ``title`` (with ``{step}``)
    names the frame.

    Shapes:
        - ``frames``: ``[K, side**2]`` values in ``[0, 1]``; ``steps``: ``[K]`` increasing; ``energy``: ``[K]`` > 0

    Returns ``(fig, anim)``. Raises ``ValueError`` for mismatched shapes, negative values or non-positive energies.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation
    from matplotlib.colors import LogNorm

    v = _frames(frames, "grid_energy_animation", side)
    k_steps = _times(steps, v.shape[0], "grid_energy_animation")
    e = _times(energy, v.shape[0], "grid_energy_animation")
    if not np.all(np.isfinite(v)) or v.min() < 0:
        raise ValueError("grid_energy_animation: frames must be finite and non-negative (concentrations)")
    if not np.all(e > 0):
        raise ValueError("grid_energy_animation: energies must be positive (they are drawn on a log scale)")
    if not 0 < floor < 1:
        raise ValueError(f"grid_energy_animation: floor must lie in (0, 1), got {floor}")
    fig, (ax_img, ax_e) = plt.subplots(1, 2, figsize=(6.4, 3.2), dpi=DPI, gridspec_kw={"width_ratios": [1.2, 1]})
    img = ax_img.imshow(np.clip(v[0], floor, None).reshape(side, side), cmap="viridis", norm=LogNorm(floor, 1))
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    ax_img.grid(False)
    fig.colorbar(img, ax=ax_img, fraction=0.046, pad=0.04, label=label)
    head = ax_img.set_title(title.format(step=k_steps[0]))
    ax_e.plot(k_steps, e, color=color, lw=1.5)
    (dot,) = ax_e.plot([k_steps[0]], [e[0]], "o", color=color)
    ax_e.set_yscale("log")
    ax_e.set_xlabel(step_name)
    ax_e.set_ylabel(energy_label)
    fig.tight_layout()

    def draw(k):
        img.set_data(np.clip(v[k], floor, None).reshape(side, side))
        head.set_text(title.format(step=k_steps[k]))
        dot.set_data([k_steps[k]], [e[k]])
        return img, head, dot

    return fig, animation.FuncAnimation(fig, draw, frames=len(k_steps), interval=interval)


def swarm_animation(times, xs, edges, colors, *, centre, beta: float, radius: float = 4.0, interval: int = 150):
    """Particles in the plane (node ``i`` at its 2-D feature vector), coloured per node, edges in light grey; a
    label gives ``beta`` and the time. The view is a square of half-width ``radius`` around ``centre`` and only ever
    zooms out, by the factor shown in the label, to keep every particle in frame.

    Shapes:
        - ``times``: ``[K]``; ``xs``: ``[K, N, 2]`` positions per frame
        - ``edges``: ``[E, 2]`` node pairs; ``colors``: ``N`` colours; ``centre``: ``[2]``

    Returns ``(fig, anim)``. Raises ``ValueError`` for mismatched shapes or out-of-range edges.
    """
    import matplotlib.pyplot as plt
    from matplotlib import animation
    from matplotlib.collections import LineCollection

    xs = np.asarray(xs, dtype=float)
    if xs.ndim != 3 or xs.shape[2] != 2:
        raise ValueError(f"swarm_animation: xs must be [K, N, 2] positions per frame, got shape {xs.shape}")
    t = _times(times, xs.shape[0], "swarm_animation")
    n = xs.shape[1]
    edges = np.asarray(edges)
    if edges.ndim != 2 or edges.shape[1] != 2 or (edges.size and (edges.min() < 0 or edges.max() >= n)):
        raise ValueError(f"swarm_animation: edges must be [E, 2] node pairs with indices in [0, {n})")
    if len(colors) != n:
        raise ValueError(f"swarm_animation: colors must give one colour per node ({n}), got {len(colors)}")
    c = np.asarray(centre, dtype=float).reshape(-1)
    if c.shape != (2,):
        raise ValueError(f"swarm_animation: centre must be a point [2], got shape {c.shape}")
    if not radius > 0:
        raise ValueError(f"swarm_animation: radius must be positive, got {radius}")
    fig, ax = plt.subplots(figsize=(6.4, 6.0), dpi=DPI)
    # edges without anti-aliasing: the frames compress about twice as well
    lines = LineCollection(xs[0][edges], colors="0.75", linewidths=0.8, antialiaseds=False, zorder=1)
    ax.add_collection(lines)
    dots = ax.scatter(xs[0, :, 0], xs[0, :, 1], c=list(colors), s=30, edgecolors="black", linewidths=0.4, zorder=2)
    label = ax.text(0.03, 0.97, "", transform=ax.transAxes, va="top")
    ax.set_aspect("equal")
    ax.set_xlabel("feature 1 of $x_i$")
    ax.set_ylabel("feature 2 of $x_i$")
    short = plt.FuncFormatter(lambda v, _: f"{v:.0e}" if abs(v) >= 1e3 else f"{v:g}")  # 4e+03, not an offset
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(short)
        axis.set_major_locator(plt.MaxNLocator(4))
    fig.subplots_adjust(left=0.17, right=0.97, bottom=0.11, top=0.97)

    def draw(k):
        x = xs[k]
        zoom = max(1.0, 1.05 * np.abs(x - c).max() / radius)
        ax.set_xlim(c[0] - radius * zoom, c[0] + radius * zoom)
        ax.set_ylim(c[1] - radius * zoom, c[1] + radius * zoom)
        lines.set_segments(x[edges])
        dots.set_offsets(x)
        label.set_text(f"β = {beta:g}, t = {t[k]:.1f}" + (f"\nview zoomed out ×{zoom:.1e}" if zoom > 1 else ""))
        return lines, dots, label

    draw(0)
    return fig, animation.FuncAnimation(fig, draw, frames=len(t), interval=interval, blit=False)
