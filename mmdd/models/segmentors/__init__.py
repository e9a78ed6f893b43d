from .confidence_encoder_decoder import ConfidenceEncoderDecoder

__all__ = ['ConfidenceEncoderDecoder']
