"""The only QThread code: QObject workers that drive the core on their own threads
(docs/architecture.md, Threads).

Rules kept here: workers are moved to a QThread and started through ``thread.started``; their
signals carry copies (NumPy arrays, plain dataclasses), are connected only to ``@Slot`` methods of
GUI-thread objects, and on shutdown the owner requests cancel, then ``quit()`` and ``wait()``.
"""
