typedef int gwi_placeholder_models;
