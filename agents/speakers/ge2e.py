"""Voice embeddings from a trained speaker encoder (GE2E, Resemblyzer's weights), in numpy.

The hand-made voice prints of agents/speakers/voice.py tell a man from a woman, but not two
similar voices: on calls where one voice is the other 3 semitones lower they see one voice. A
speaker encoder trained to tell thousands of speakers apart does: each 1.6 s window of speech
gets a 256-d embedding, close for one speaker and apart for two. The network is Resemblyzer's
(3-layer LSTM over 40 mel bands, then a linear layer, ReLU and unit length), run here in numpy so
that PyTorch is not needed; its weights come from agents/speakers/encoder_weights.py.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits

from agents.speakers.voice import SAMPLE_RATE, VoiceTrack, two_centroids, two_state_path

N_FFT = 400  # 25 ms at 16 kHz, as the encoder was trained
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # the encoder's 1.6 s window
WINDOW_HOP_FRAMES = 80  # a window every 0.8 s: half-overlapping, so a turn change is seen twice
TARGET_DBFS = -30.0  # the encoder's training loudness
SPEECH_DB_BELOW_PEAK = 35.0  # frames quieter than this under the loudest are silence
MIN_SPEECH_SHARE = 0.5  # a window needs this share of speech frames to be embedded
# Distances are divided by their spread over the call, so that margins and the switch penalty do
# not depend on how far apart a call's two voices are. Set on calibrate calls (bench.speaker_attribution).
SWITCH_PENALTY = 1.0
# Separation: 1 - cosine of the two voices' mean embeddings. On calibrate calls two voices gave
# 0.13-0.24 (the same piper voice 3 semitones apart; two espeak men), one voice cut in two by
# k-means 0.03-0.07. (A Fisher ratio, as for the prints, overlaps there: 256 dimensions leave
# k-means room to find a gap in one voice.)
MIN_SEPARATION = 0.11
# A window's audio covers 0.8 s either side of its centre (VoiceTrack.reaches).
REACH_S = PARTIAL_FRAMES * HOP / SAMPLE_RATE / 2


def _hz_to_mel(hz):
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=float)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, hz * 3.0 / 200.0)


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=float)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * 200.0 / 3.0)


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """(40, 201) triangular filters with Slaney's area normalisation, as librosa builds them."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    widths, ramps = np.diff(edges), edges[:, None] - bins[None, :]
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    filters = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return filters.astype(np.float32)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram, one frame per 10 ms (centred frames, Hann window)."""
    padded = np.pad(audio.astype(np.float32), N_FFT // 2, mode="reflect" if audio.size > N_FFT else "constant")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP] * np.hanning(N_FFT + 1)[:-1]
    return (np.abs(np.fft.rfft(frames.astype(np.float32), N_FFT)) ** 2).astype(np.float32) @ mel_filterbank().T


class SpeakerEncoder:
    def __init__(self, weights: dict[str, np.ndarray] | None = None):
        if weights is None:
            from agents.speakers.encoder_weights import load_weights  # not at import: `-m ...encoder_weights`

            weights = load_weights()
        # PyTorch's LSTM keeps the gates as rows [input, forget, cell, output]; one bias suffices.
        self.layers = [(np.ascontiguousarray(weights[f"lstm.weight_ih_l{i}"].T),
                        np.ascontiguousarray(weights[f"lstm.weight_hh_l{i}"].T),
                        weights[f"lstm.bias_ih_l{i}"] + weights[f"lstm.bias_hh_l{i}"]) for i in range(3)]
        self.projection = (np.ascontiguousarray(weights["linear.weight"].T), weights["linear.bias"])

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """(windows, frames, 40) mel windows -> (windows, 256) unit-length embeddings. On one BLAS
        thread: its ~500 small products per call cost 3x the CPU (and more wall) when OpenBLAS
        spreads each over the cores whisper is using (docs/benchmarks.md)."""
        with threadpool_limits(limits=1, user_api="blas"):
            return self._embed(mels)

    def _embed(self, mels: np.ndarray) -> np.ndarray:
        x = mels.astype(np.float32)
        hidden = np.zeros((x.shape[0], 0), np.float32)
        for input_weights, hidden_weights, bias in self.layers:
            inputs = x @ input_weights + bias  # every step's input part at once
            size = hidden_weights.shape[0]
            hidden = np.zeros((x.shape[0], size), np.float32)
            cell = np.zeros_like(hidden)
            outputs = np.empty((x.shape[0], x.shape[1], size), np.float32)
            for step in range(x.shape[1]):
                gates = inputs[:, step] + hidden @ hidden_weights
                # sigmoid(z) = (1 + tanh(z / 2)) / 2: one tanh for the three sigmoid gates
                gate, forget, output = ((1.0 + np.tanh(0.5 * gates[:, k * size:(k + 1) * size])) * 0.5
                                        for k in (0, 1, 3))
                cell = forget * cell + gate * np.tanh(gates[:, 2 * size:3 * size])
                hidden = output * np.tanh(cell)
                outputs[:, step] = hidden
            x = outputs
        embedded = np.maximum(0.0, hidden @ self.projection[0] + self.projection[1])
        return embedded / (np.linalg.norm(embedded, axis=1, keepdims=True) + 1e-9)


@lru_cache(maxsize=1)
def shared_encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


def window_embeddings(audio: np.ndarray, encoder: SpeakerEncoder | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(window centre times, embeddings) of the 1.6 s windows that are mostly speech, every 0.8 s."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    if rms == 0.0 or audio.size < PARTIAL_FRAMES * HOP:
        return np.zeros(0), np.zeros((0, 256), np.float32)
    mels = mel_frames(audio * (10 ** (TARGET_DBFS / 20) / rms))
    energy_db = 10 * np.log10(mels.sum(axis=1) + 1e-10)
    speech = energy_db > energy_db.max() - SPEECH_DB_BELOW_PEAK
    starts = [s for s in range(0, len(mels) - PARTIAL_FRAMES + 1, WINDOW_HOP_FRAMES)
              if speech[s:s + PARTIAL_FRAMES].mean() >= MIN_SPEECH_SHARE]
    if not starts:
        return np.zeros(0), np.zeros((0, 256), np.float32)
    embeddings = (encoder or shared_encoder()).embed(np.stack([mels[s:s + PARTIAL_FRAMES] for s in starts]))
    return (np.asarray(starts) + PARTIAL_FRAMES / 2) * HOP / SAMPLE_RATE, embeddings


def track_from_embeddings(times: np.ndarray, embeddings: np.ndarray) -> VoiceTrack:
    """Two voices by k-means over the embeddings, smoothed by Viterbi; as voice.track_from_prints."""
    if len(embeddings) < 4:
        empty = np.zeros(0)
        return VoiceTrack(empty, empty.astype(int), empty, 0.0, MIN_SEPARATION, REACH_S)
    centroids = two_centroids(embeddings)
    distances = np.sqrt(((embeddings[:, None, :] - centroids[None]) ** 2).sum(axis=2))
    distances /= distances.std() + 1e-9
    voice = two_state_path(distances, SWITCH_PENALTY)
    margin = np.abs(distances[:, 0] - distances[:, 1])
    return VoiceTrack(times, voice, margin, centroid_distance(embeddings, voice), MIN_SEPARATION, REACH_S)


def centroid_distance(embeddings: np.ndarray, voice: np.ndarray) -> float:
    """1 - cosine similarity of the two voices' mean embeddings; 0 when one side has < 3 windows."""
    if min((voice == 0).sum(), (voice == 1).sum()) < 3:
        return 0.0
    first, second = (embeddings[voice == k].mean(axis=0) for k in (0, 1))
    return float(1.0 - first @ second / (np.linalg.norm(first) * np.linalg.norm(second) + 1e-12))
