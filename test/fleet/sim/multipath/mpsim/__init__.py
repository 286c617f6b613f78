# Multipath/SCSI simulator of a worker node (see ../README.md).
