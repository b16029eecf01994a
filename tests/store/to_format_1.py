#!/usr/bin/env python3
"""Rewrites a results store of format 2 in place as nasrank 0.1.0 wrote it
(format 1): text columns and text attributes become HDF5 variable-length
strings. Tests use it to make format 1 stores without the old nasrank.

usage: to_format_1.py STORE
"""
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+", libver=("v110", "latest"))
def plain_attributes(obj):
    for key, value in list(obj.attrs.items()):
        if isinstance(value, bytes):
            obj.attrs[key] = value.decode()
def convert(group):
    for name in list(group.keys()):
        obj = group[name]
        if isinstance(obj, h5py.Group) and set(obj.keys()) == {"start", "length", "utf8"}:
            data = obj["utf8"][:].tobytes()
            values = [data[s:s + n].decode() for s, n in zip(obj["start"][:], obj["length"][:])]
            attributes = dict(obj.attrs.items())
            del group[name]
            column = group.create_dataset(name, shape=(len(values),), maxshape=(None,), chunks=(256,),
                                          dtype=h5py.string_dtype())
            if values:
                column[:] = np.array(values, dtype=object)
            for key, value in attributes.items():
                column.attrs[key] = value.decode() if isinstance(value, bytes) else value
        elif isinstance(obj, h5py.Group):
            plain_attributes(obj)
            convert(obj)
        else:
            plain_attributes(obj)
plain_attributes(f)
convert(f)
f.attrs["format_version"] = np.int64(1)
f.close()
