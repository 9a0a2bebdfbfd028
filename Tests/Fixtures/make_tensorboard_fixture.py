"""Writes Tests/Fixtures/tensorboard/reference.tfevents (and the image.png it embeds) with TensorBoard's own writer: its RecordWriter
(TFRecord framing, masked CRC-32C) and its Event / Summary / TensorProto protos, filled the way
torch.utils.tensorboard's add_scalar, add_image and add_text fill them. TensorBoardWriterTests writes the
same events with Pretext's TensorBoardWriter and compares the bytes.

Run (tensorboard from PyPI, in the $PEER virtual environment):  $PEER/bin/python make_tensorboard_fixture.py
"""
import os
import struct
import zlib

from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.summary.writer.record_writer import RecordWriter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tensorboard", "reference.tfevents")


def png(width, height, rgb_rows):
    """A minimal valid RGB PNG (the bytes are data to TensorBoard; the test feeds the same bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(row) for row in rgb_rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


PNG = png(2, 1, [[255, 0, 0, 0, 0, 255]])


def scalar(tag, value, step, wall):
    return Event(wall_time=wall, step=step, summary=Summary(value=[Summary.Value(tag=tag, simple_value=value)]))


def image(tag, png, width, height, step, wall):
    img = Summary.Image(height=height, width=width, colorspace=3, encoded_image_string=png)
    return Event(wall_time=wall, step=step, summary=Summary(value=[Summary.Value(tag=tag, image=img)]))


def text(tag, s, step, wall):
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    tensor = TensorProto(dtype="DT_STRING", string_val=[s.encode("utf-8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Event(wall_time=wall, step=step, summary=Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=tensor)]))


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    events = [
        Event(wall_time=1764494400.25, file_version="brain.Event:2"),
        scalar("train/loss", 4.8934, 1, 1764494401.5),
        scalar("train/lr", 0.0, 2, 1764494402.0),
        scalar("epoch/knn20_top1", 0.372, 468, 1764494620.125),
        scalar("train/loss", -0.671875, 123456789, 1764494700.0),
        image("reconstruction", PNG, 2, 1, 12, 1764494800.5),
        text("config", "method:\n  name: simclr  # é", 0, 1764494400.75),
    ]
    with open(os.path.join(HERE, "tensorboard", "image.png"), "wb") as f:
        f.write(PNG)
    with open(OUT, "wb") as f:
        w = RecordWriter(f)
        for e in events:
            w.write(e.SerializeToString())
        w.flush()
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, {len(events)} events)")


if __name__ == "__main__":
    main()
