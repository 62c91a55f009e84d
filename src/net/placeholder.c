int skua_placeholder_net;
