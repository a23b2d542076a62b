typedef int gwi_placeholder_io;
