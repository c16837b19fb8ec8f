// One RTCPeerConnection to one other peer of the room, negotiated with the "perfect
// negotiation" pattern: either side may offer at any time; on glare the polite side (the one
// with the smaller peerId) rolls back and answers, the impolite side ignores the other offer.
// Signaling data is {sdp} or {candidate} (DESIGN.md), relayed by the server untouched.

export class PeerLink {
  /**
   * @param {object} o
   * @param {string} o.peerId      the remote peer
   * @param {string} o.kind        'browser', 'bridge' or 'camera'
   * @param {boolean} o.polite
   * @param {RTCConfiguration} o.config
   * @param {MediaStream|null} o.localStream
   * @param {(data: object) => void} o.send
   * @param {(stream: MediaStream) => void} o.onStream
   * @param {(state: string) => void} o.onState
   */
  constructor({ peerId, kind, polite, config, localStream, send, onStream, onState }) {
    this.peerId = peerId;
    this.kind = kind;
    this.polite = polite;
    this.send = send;
    this.onStream = onStream;
    this.onState = onState;
    this.localStream = localStream;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.isSettingRemoteAnswerPending = false;
    this.sentTracks = false;
    this.closed = false;
    this.remoteStream = new MediaStream();
    // A camera (go2rtc) takes one complete offer: no trickled candidates (DESIGN.md "Cameras").
    this.trickle = kind !== 'camera';

    const pc = new RTCPeerConnection(config);
    this.pc = pc;

    pc.onicecandidate = ({ candidate }) => {
      if (this.trickle && candidate) this.send({ candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track, streams }) => {
      const stream = streams && streams[0];
      if (stream) {
        this.remoteStream = stream;
      } else if (!this.remoteStream.getTracks().includes(track)) {
        this.remoteStream.addTrack(track);
      }
      this.onStream(this.remoteStream);
    };
    pc.onnegotiationneeded = () => this.negotiate();
    pc.onconnectionstatechange = () => {
      this.onState(pc.connectionState);
      // After a network change, ICE can fail while signaling is fine again: restart it. A camera
      // (go2rtc) answers each offer with a new peer connection: the conference offers afresh.
      if (pc.connectionState === 'failed' && !this.closed && this.kind !== 'camera') pc.restartIce();
    };
  }

  /** Starts as the offerer (the newcomer offers to every peer already in the room). */
  startAsOfferer() {
    if (this.kind === 'camera') {
      // Receive only from a camera.
      this.pc.addTransceiver('video', { direction: 'recvonly' });
      this.pc.addTransceiver('audio', { direction: 'recvonly' });
      this.sentTracks = true;
      return;
    }
    this.addLocalTracks();
  }

  addLocalTracks() {
    if (this.sentTracks) return;
    this.sentTracks = true;
    const stream = this.localStream;
    const kinds = new Set();
    if (stream) {
      for (const track of stream.getTracks()) {
        this.pc.addTrack(track, stream);
        kinds.add(track.kind);
      }
    }
    // Without a camera or microphone, still ask to receive the other side's media.
    for (const kind of ['audio', 'video']) {
      if (kinds.has(kind)) continue;
      const existing = this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
      if (!existing) this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
  }

  async negotiate() {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      if (!this.trickle) await this.gatheringComplete();
      this.send({ sdp: this.pc.localDescription.toJSON() });
    } catch (e) {
      console.warn('switchboard: offer failed', e);
    } finally {
      this.makingOffer = false;
    }
  }

  gatheringComplete() {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.pc.iceGatheringState === 'complete') {
          this.pc.removeEventListener('icegatheringstatechange', check);
          resolve();
        }
      };
      this.pc.addEventListener('icegatheringstatechange', check);
      setTimeout(resolve, 5000); // send what we have rather than hang
    });
  }

  /** Handles the `data` of a `signal` frame from this peer. */
  async receive(data) {
    if (this.closed || !data || typeof data !== 'object') return;
    const pc = this.pc;
    try {
      if (data.sdp) {
        const description = data.sdp;
        const readyForOffer =
          !this.makingOffer && (pc.signalingState === 'stable' || this.isSettingRemoteAnswerPending);
        const offerCollision = description.type === 'offer' && !readyForOffer;
        this.ignoreOffer = !this.polite && offerCollision;
        if (this.ignoreOffer) return;
        this.isSettingRemoteAnswerPending = description.type === 'answer';
        await pc.setRemoteDescription(description); // rolls back our offer if we are polite
        this.isSettingRemoteAnswerPending = false;
        if (description.type === 'offer') {
          // Adding our tracks after the remote offer reuses its transceivers: one round trip.
          this.addLocalTracks();
          await pc.setLocalDescription();
          this.send({ sdp: pc.localDescription.toJSON() });
        }
      } else if ('candidate' in data) {
        if (!data.candidate) return;
        try {
          await pc.addIceCandidate(data.candidate);
        } catch (e) {
          if (!this.ignoreOffer) throw e;
        }
      }
    } catch (e) {
      console.warn('switchboard: negotiation error with a peer', e);
    }
  }

  setLocalStream(stream) {
    this.localStream = stream;
  }

  close() {
    this.closed = true;
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onnegotiationneeded = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  /** Numbers the tests (and the curious) look at: inbound video and the selected ICE pair. */
  async stats() {
    const report = await this.pc.getStats();
    const result = {
      connectionState: this.pc.connectionState,
      bytesReceived: 0,
      framesDecoded: 0,
      localCandidateType: null,
      remoteCandidateType: null,
    };
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        result.bytesReceived += s.bytesReceived || 0;
        result.framesDecoded += s.framesDecoded || 0;
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    if (!pairId) {
      report.forEach((s) => {
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id;
      });
    }
    const pair = pairId && report.get(pairId);
    if (pair) {
      const local = report.get(pair.localCandidateId);
      const remote = report.get(pair.remoteCandidateId);
      result.localCandidateType = local ? local.candidateType : null;
      // For a relay candidate: which TURN server allocated it, and the relayed address.
      result.localCandidateUrl = local && local.url ? local.url : null;
      result.localCandidateAddress = local ? `${local.address || local.ip}:${local.port}` : null;
      result.remoteCandidateAddress = remote ? `${remote.address || remote.ip}:${remote.port}` : null;
      result.remoteCandidateType = remote ? remote.candidateType : null;
    }
    return result;
  }
}
