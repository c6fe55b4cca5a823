// STUNCodec
