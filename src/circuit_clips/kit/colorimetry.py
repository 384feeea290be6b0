"""Colour science for the value scale, in plain NumPy: sRGB <-> CIELAB, CIEDE2000, contrast.

* :func:`srgb_to_lab` and :func:`lab_to_srgb` convert gamma-encoded sRGB in ``[0, 1]`` and
  CIELAB (D65 white, the sRGB white) both ways;
* :func:`ciede2000` is the CIE colour difference of 2000 (Sharma, Wu and Dalal, "The CIEDE2000
  colour-difference formula: implementation notes, supplementary test data, and mathematical
  observations", Color Research & Application 30(1), 2005), with ``kL = kC = kH = 1``: about 1
  is a just noticeable difference, 10 is plainly different at a glance;
* :func:`contrast_ratio` is the WCAG 2 contrast ratio of two sRGB colours (1 to 21; text wants
  at least 4.5, large text 3).

Everything broadcasts over leading axes (the last axis holds the three components).
"""

from __future__ import annotations

import numpy as np

__all__ = ["srgb_to_lab", "lab_to_srgb", "ciede2000", "relative_luminance", "contrast_ratio"]

# sRGB primaries to CIE XYZ (IEC 61966-2-1), and the D65 white point they are relative to.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = _RGB_TO_XYZ.sum(axis=1)  # XYZ of sRGB white, (0.9505, 1.0, 1.089)
_EPSILON = 216 / 24389  # CIE's exact (6/29)^3
_KAPPA = 24389 / 27


def _linear(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _encoded(linear: np.ndarray) -> np.ndarray:
    linear = np.asarray(linear, dtype=float)
    return np.where(
        linear <= 0.0031308, 12.92 * linear, 1.055 * np.abs(linear) ** (1 / 2.4) * np.sign(linear) - 0.055
    )


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB ``(L, a, b)`` of gamma-encoded sRGB ``rgb`` in ``[0, 1]`` (last axis: R, G, B)."""
    xyz = _linear(rgb) @ _RGB_TO_XYZ.T / _WHITE
    f = np.where(xyz > _EPSILON, np.cbrt(xyz), (_KAPPA * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1
    )


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """Gamma-encoded sRGB of CIELAB ``lab``, not clipped: a component outside ``[0, 1]`` means
    the colour is outside the sRGB gamut."""
    lab = np.asarray(lab, dtype=float)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f**3 > _EPSILON, f**3, (116 * f - 16) / _KAPPA) * _WHITE
    return _encoded(xyz @ _XYZ_TO_RGB.T)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """The CIEDE2000 colour difference between CIELAB colours ``lab1`` and ``lab2``.

    Follows the equations of Sharma et al. (2005) step by step, including their notes on hue
    angles (``h = 0`` for a neutral colour; the mean hue and the hue difference taken the short
    way round the circle).
    """
    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, dtype=float), np.asarray(lab2, dtype=float))
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)

    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where(c1p == 0, 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where(c2p == 0, 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)
    neutral = c1p * c2p == 0

    dl = L2 - L1
    dc = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(neutral, 0.0, dh)
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)

    l_mean = (L1 + L2) / 2
    cp_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = np.where(
        np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)
    )
    h_mean = np.where(neutral, h_sum, h_mean)

    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    d_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dc / s_c) * (dH / s_h))


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG 2 relative luminance of gamma-encoded sRGB (0 black, 1 white)."""
    return _linear(rgb) @ _RGB_TO_XYZ[1]


def contrast_ratio(rgb1: np.ndarray, rgb2: np.ndarray) -> np.ndarray:
    """WCAG 2 contrast ratio between two sRGB colours: 1 (the same) to 21 (black on white)."""
    y1, y2 = relative_luminance(rgb1), relative_luminance(rgb2)
    return (np.maximum(y1, y2) + 0.05) / (np.minimum(y1, y2) + 0.05)
