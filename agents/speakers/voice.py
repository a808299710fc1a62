"""Who speaks when, by voice, in a mono recording of two people: numpy only.

No speaker-embedding model that runs offline ships in a PyPI package (the candidates download
their weights at run time), so each 0.5 s window of speech gets a small hand-made voice print:
mean and spread of MFCCs (timbre) plus median pitch (F0 by autocorrelation). The windows are
split into two voices by k-means and smoothed with a two-state Viterbi pass, since people speak
in turns of seconds, not of single windows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
FRAME = 400  # 25 ms
HOP = 160  # 10 ms
N_FFT = 512
N_MELS = 24
N_MFCC = 13
MEL_RANGE_HZ = (100.0, 3800.0)  # telephone band: 8 kHz recordings carry nothing above 4 kHz
PITCH_RATE = 8000  # pitch is searched at 8 kHz: a quarter of the FFT work, the same answer
PITCH_FRAME = 320  # 40 ms at 8 kHz: two periods of a 60 Hz voice
PITCH_RANGE_HZ = (60.0, 400.0)
VOICED_CORRELATION = 0.45
WINDOW_FRAMES = 50  # a voice print per 0.5 s ...
WINDOW_HOP_FRAMES = 25  # ... every 0.25 s
SPEECH_DB_BELOW_PEAK = 35.0  # frames quieter than this under the loudest are silence
PITCH_WEIGHT = 2.0  # pitch separates voices better than any one MFCC; weigh it as two features
BLOCK_FRAMES = 3000  # pitch in blocks of 30 s: the FFT of a whole call at once needs ~300 MB
SWITCH_PENALTY = 2.0  # Viterbi cost of a speaker change, in units of standardised distance
MIN_SEPARATION = 5.0  # Fisher ratio: one voice cut in two by k-means scores ~1-5.4, two voices 5.5-22


@dataclass(frozen=True)
class VoiceTrack:
    """Per-window voice labels: times[i] is window i's centre (s), voice[i] is 0 or 1,
    margin[i] >= 0 how much closer the window is to its voice than to the other one."""
    times: np.ndarray
    voice: np.ndarray
    margin: np.ndarray
    separation: float  # how far apart the two voices are (the voice model's own measure)
    min_separation: float = MIN_SEPARATION  # below it the "two voices" are one voice cut in two
    reach: float = float("inf")  # how far from its centre a window's audio goes (s)

    @property
    def two_voices(self) -> bool:
        return self.separation >= self.min_separation

    def at(self, start: float, end: float) -> tuple[int | None, float]:
        """(voice, mean margin) over [start, end]: the windows centred there, else the nearest
        one; (None, 0) without windows."""
        if self.times.size == 0:
            return None, 0.0
        inside = (self.times >= start - 0.125) & (self.times <= end + 0.125)
        if not inside.any():
            inside = np.zeros_like(self.times, dtype=bool)
            inside[np.argmin(np.abs(self.times - (start + end) / 2))] = True
        signed = np.where(self.voice[inside] == 1, self.margin[inside], -self.margin[inside])
        total = float(signed.mean())
        return (1 if total > 0 else 0), abs(total)

    def reaches(self, start: float, end: float) -> bool:
        """Whether some window's audio covers [start, end], so its voice there was heard, not
        borrowed from a neighbour (a short "Hello?" between silences may have no window)."""
        return bool(self.times.size) and bool(np.any((self.times >= start - self.reach)
                                                     & (self.times <= end + self.reach)))


def _frames(audio: np.ndarray, size: int, hop: int = HOP) -> np.ndarray:
    """Overlapping frames as a view (no copy)."""
    padded = np.pad(audio, (0, max(0, size - audio.size)))
    return np.lib.stride_tricks.sliding_window_view(padded, size)[::hop]


def _mel_filterbank() -> np.ndarray:
    def mel(hz):
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    edges_mel = np.linspace(mel(MEL_RANGE_HZ[0]), mel(MEL_RANGE_HZ[1]), N_MELS + 2)
    edges_hz = 700.0 * (10 ** (edges_mel / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    low, centre, high = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins[None, :] - low) / (centre - low)
    falling = (high - bins[None, :]) / (high - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def _dct_matrix() -> np.ndarray:
    n = np.arange(N_MELS)
    return np.cos(np.pi / N_MELS * (n[None, :] + 0.5) * np.arange(N_MFCC)[:, None])


def _log_f0(frames: np.ndarray) -> np.ndarray:
    """log F0 per frame by autocorrelation (via FFT); nan where the frame is not voiced."""
    frames = frames - frames.mean(axis=1, keepdims=True)
    autocorr = np.fft.irfft(np.abs(np.fft.rfft(frames, 2 * PITCH_FRAME)) ** 2)[:, :PITCH_FRAME]
    low_lag, high_lag = int(PITCH_RATE / PITCH_RANGE_HZ[1]), int(PITCH_RATE / PITCH_RANGE_HZ[0])
    lags = autocorr[:, low_lag:high_lag]
    best = lags.argmax(axis=1)
    strength = lags[np.arange(len(lags)), best] / (autocorr[:, 0] + 1e-10)
    return np.where(strength > VOICED_CORRELATION, np.log(PITCH_RATE / (best + low_lag)), np.nan)


def frame_features(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per 10 ms frame: MFCC 1..12 (c0, loudness, dropped), log-F0 (nan when unvoiced), energy dB."""
    frames = _frames(audio.astype(np.float32), FRAME) * np.hamming(FRAME).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, N_FFT)) ** 2
    energy_db = 10 * np.log10(power.sum(axis=1) + 1e-10)
    mfcc = (_dct_matrix() @ np.log(_mel_filterbank() @ power.T + 1e-8)).T[:, 1:]

    # Pitch only where someone may be talking, on the signal halved to 8 kHz (pairs averaged).
    halved = audio[: audio.size // 2 * 2].astype(np.float32).reshape(-1, 2).mean(axis=1)
    pitch_frames = _frames(halved, PITCH_FRAME, HOP // 2)[: len(frames)]
    loud = np.flatnonzero(energy_db[: len(pitch_frames)] > energy_db.max() - SPEECH_DB_BELOW_PEAK)
    log_f0 = np.full(len(mfcc), np.nan)
    for block in np.array_split(loud, max(1, loud.size // BLOCK_FRAMES)):
        log_f0[block] = _log_f0(pitch_frames[block])
    return mfcc, log_f0, energy_db


def window_prints(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(window centre times, voice prints) for windows that are mostly speech and partly voiced."""
    mfcc, log_f0, energy_db = frame_features(audio)
    speech = energy_db > energy_db.max() - SPEECH_DB_BELOW_PEAK
    times, prints = [], []
    for first in range(0, max(1, len(mfcc) - WINDOW_FRAMES + 1), WINDOW_HOP_FRAMES):
        span = slice(first, first + WINDOW_FRAMES)
        talking = speech[span]
        voiced = log_f0[span][talking & ~np.isnan(log_f0[span])]
        if talking.mean() < 0.5 or voiced.size < 5:
            continue
        spoken = mfcc[span][talking]
        prints.append(np.concatenate([spoken.mean(axis=0), spoken.std(axis=0), [np.median(voiced)]]))
        times.append((first + WINDOW_FRAMES / 2) * HOP / SAMPLE_RATE)
    if not prints:  # silence (or a silent chunk of a long call): no windows, not an error
        return np.zeros(0), np.zeros((0, 2 * N_MFCC + 1))
    return np.asarray(times), np.asarray(prints).reshape(len(prints), -1)


def two_centroids(points: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Two centroids, deterministic and robust to a few odd windows: start from the two halves of
    the points split at the median of their first principal component."""
    centred = points - points.mean(axis=0)
    projection = centred @ np.linalg.svd(centred, full_matrices=False)[2][0]
    upper = projection > np.median(projection)
    centroids = np.stack([points[~upper].mean(axis=0), points[upper].mean(axis=0)])
    for _ in range(iterations):
        labels = ((points[:, None, :] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
        updated = np.stack([points[labels == k].mean(axis=0) if (labels == k).any() else centroids[k]
                            for k in (0, 1)])
        if np.allclose(updated, centroids):
            break
        centroids = updated
    return centroids


def two_state_path(costs: np.ndarray, switch: float) -> np.ndarray:
    """Cheapest 0/1 path through per-window costs (n x 2) with a price per change."""
    total, back = costs[0].copy(), np.zeros(costs.shape, dtype=int)
    for i in range(1, len(costs)):
        stay, move = total, total[::-1] + switch
        back[i] = np.where(stay <= move, [0, 1], [1, 0])
        total = np.minimum(stay, move) + costs[i]
    path = np.zeros(len(costs), dtype=int)
    path[-1] = int(total.argmin())
    for i in range(len(costs) - 1, 0, -1):
        path[i - 1] = back[i][path[i]]
    return path


def track_from_prints(times: np.ndarray, prints: np.ndarray) -> VoiceTrack:
    """The two voices of a call from its windows' prints."""
    if len(prints) < 4:
        empty = np.zeros(0)
        return VoiceTrack(empty, empty.astype(int), empty, 0.0)
    scaled = (prints - prints.mean(axis=0)) / (prints.std(axis=0) + 1e-8)
    scaled[:, -1] *= PITCH_WEIGHT
    centroids = two_centroids(scaled)
    distances = np.sqrt(((scaled[:, None, :] - centroids[None]) ** 2).sum(axis=2))
    voice = two_state_path(distances, SWITCH_PENALTY)
    margin = np.abs(distances[:, 0] - distances[:, 1])
    return VoiceTrack(times, voice, margin, fisher_ratio(scaled, voice))


def fisher_ratio(points: np.ndarray, voice: np.ndarray) -> float:
    """How far apart the two voices are along the line between them, over their spread. A single
    voice cut in two by k-means gives ~3-4 (halves of one bell curve); two voices give more."""
    if min((voice == 0).sum(), (voice == 1).sum()) < 3:
        return 0.0
    direction = points[voice == 1].mean(axis=0) - points[voice == 0].mean(axis=0)
    projected = points @ (direction / (np.linalg.norm(direction) + 1e-12))
    a, b = projected[voice == 0], projected[voice == 1]
    return float((b.mean() - a.mean()) ** 2 / (a.var() + b.var() + 1e-12))
